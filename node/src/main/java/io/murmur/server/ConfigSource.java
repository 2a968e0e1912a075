package io.murmur.server;

import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.error.YAMLException;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Raw configuration values by dotted key ({@code limits.max_value_bytes}), each remembering
 * where it came from so an error can name the file or flag. Values come from a YAML file
 * of nested maps, then from overrides; typed reading and validation is
 * {@link NodeConfig}'s job. Every key read is recorded, so keys nobody reads (typos) are
 * reported instead of silently ignored.
 */
final class ConfigSource {
    private record Entry(Object value, String origin) {
    }

    private final Map<String, Entry> entries = new LinkedHashMap<>();
    private final Set<String> read = new TreeSet<>();

    /** Reads a YAML file of nested maps. A missing file is an error. */
    static ConfigSource fromFile(Path file) {
        ConfigSource source = new ConfigSource();
        String origin = file.toString();
        Object root;
        try (Reader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            root = newYaml().load(in);
        } catch (NoSuchFileException e) {
            throw new ConfigException(origin + ": no such file");
        } catch (IOException e) {
            throw new ConfigException(origin + ": cannot read: " + e.getMessage(), e);
        } catch (YAMLException e) {
            throw new ConfigException(origin + ": not valid YAML: " + firstLine(e.getMessage()), e);
        }
        if (root == null) {
            return source;
        }
        if (!(root instanceof Map<?, ?> map)) {
            throw new ConfigException(origin + ": the top level must be a map of sections");
        }
        source.flatten("", map, origin);
        return source;
    }

    static ConfigSource empty() {
        return new ConfigSource();
    }

    private void flatten(String prefix, Map<?, ?> map, String origin) {
        for (Map.Entry<?, ?> e : map.entrySet()) {
            String key = prefix + e.getKey();
            if (e.getValue() instanceof Map<?, ?> nested) {
                flatten(key + ".", nested, origin);
            } else {
                entries.put(key, new Entry(e.getValue(), origin));
            }
        }
    }

    /**
     * Sets {@code key} from a command-line string, parsed as a YAML scalar or flow list so
     * {@code 42}, {@code true} and {@code [a, b]} get their natural types.
     */
    void override(String key, String text, String origin) {
        Object value;
        try {
            value = text.isEmpty() ? "" : newYaml().load(text);
        } catch (YAMLException e) {
            throw new ConfigException(origin + ": " + key + ": cannot parse '" + text + "'");
        }
        entries.put(key, new Entry(value, origin));
    }

    /** Sets {@code key} to an already typed value. */
    void overrideValue(String key, Object value, String origin) {
        entries.put(key, new Entry(value, origin));
    }

    boolean has(String key) {
        read.add(key);
        Entry e = entries.get(key);
        return e != null && e.value() != null;
    }

    Object value(String key) {
        read.add(key);
        Entry e = entries.get(key);
        return e == null ? null : e.value();
    }

    /** Where {@code key}'s value came from, for error messages. */
    String origin(String key) {
        Entry e = entries.get(key);
        return e == null ? "default" : e.origin();
    }

    /** Keys present in the source that no reader asked for, in order. */
    List<String> unknownKeys() {
        List<String> unknown = new ArrayList<>();
        for (String key : entries.keySet()) {
            if (!read.contains(key)) {
                unknown.add(key);
            }
        }
        return unknown;
    }

    private static Yaml newYaml() {
        LoaderOptions options = new LoaderOptions();
        options.setAllowDuplicateKeys(false);
        options.setMaxAliasesForCollections(10);
        return new Yaml(new SafeConstructor(options));
    }

    private static String firstLine(String message) {
        if (message == null) {
            return "";
        }
        int nl = message.indexOf('\n');
        return nl < 0 ? message : message.substring(0, nl);
    }
}
