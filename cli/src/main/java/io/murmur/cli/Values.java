package io.murmur.cli;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/** How the CLI shows bytes: as text when they are printable UTF-8, else as {@code 0x} hex. */
final class Values {
    private static final char[] HEX = "0123456789abcdef".toCharArray();

    private Values() {
    }

    static String display(byte[] value) {
        if (value.length == 0) {
            return "(empty)";
        }
        String text = printableUtf8(value);
        return text != null ? text : hex(value);
    }

    /** The text, or null if the bytes are not valid UTF-8 or hold control characters. */
    static String printableUtf8(byte[] value) {
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(value))
                    .toString();
        } catch (CharacterCodingException e) {
            return null;
        }
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (Character.isISOControl(c) && c != '\t' && c != '\n' && c != '\r') {
                return null;
            }
        }
        return text;
    }

    static String hex(byte[] value) {
        StringBuilder sb = new StringBuilder(2 + value.length * 2).append("0x");
        for (byte b : value) {
            sb.append(HEX[(b >> 4) & 0xf]).append(HEX[b & 0xf]);
        }
        return sb.toString();
    }
}
