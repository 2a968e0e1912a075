# Shared by the scripts in bin/: locates the project, builds it on first use, finds Java.
# Sourced, not run.

MURMUR_HOME=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
export MURMUR_HOME

JAVA=${JAVA:-java}
if [ -n "${JAVA_HOME:-}" ] && [ -x "$JAVA_HOME/bin/java" ]; then
  JAVA="$JAVA_HOME/bin/java"
fi

# JVM flags for every Murmur process. --enable-native-access keeps RocksDB and Netty
# native libraries quiet on newer JDKs; 24+ also needs Unsafe memory access allowed.
murmur_jvm_flags() {
  local flags="--enable-native-access=ALL-UNNAMED"
  local major
  major=$("$JAVA" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p')
  if [ -n "$major" ] && [ "${major%%.*}" -ge 24 ] 2>/dev/null; then
    flags="$flags --sun-misc-unsafe-memory-access=allow"
  fi
  echo "$flags"
}

# murmur_classpath MODULE: the module's jar and its runtime dependencies, building the
# project first if they are missing.
murmur_classpath() {
  local module=$1
  local target="$MURMUR_HOME/$module/target"
  if ! ls "$target"/murmur-"$module"-*.jar >/dev/null 2>&1 || [ ! -d "$target/lib" ]; then
    echo "murmur: building the project (first use; needs Maven and Java 17+) ..." >&2
    (cd "$MURMUR_HOME" && mvn -q -B -Dstyle.color=never -DskipTests package) >&2 || {
      echo "murmur: build failed; run 'mvn -DskipTests package' in $MURMUR_HOME to see why" >&2
      exit 1
    }
  fi
  local jar
  jar=$(ls "$target"/murmur-"$module"-*.jar | grep -v -- '-tests.jar$' | head -1)
  echo "$jar:$target/lib/*"
}
