# Sourced by ./berth and scripts/test: finds a JDK >= 25.
#   JAVA_HOME         used if it is 25 or newer
#   BERTH_JDK_SEARCH  where else to look (default /usr/lib/jvm)

jdk_major() { # the major version a JDK's release file declares, or 0
  local v
  v=$(sed -n 's/^JAVA_VERSION="\([0-9]*\).*/\1/p' "$1/release" 2>/dev/null || true)
  echo "${v:-0}"
}

find_jdk() {
  local c dir="${BERTH_JDK_SEARCH:-/usr/lib/jvm}"
  for c in "${JAVA_HOME:-}" "$dir"/*25* "$dir"/*; do
    if [ -n "$c" ] && [ -x "$c/bin/java" ] && [ "$(jdk_major "$c")" -ge 25 ]; then
      echo "$c"
      return 0
    fi
  done
  return 1
}

no_jdk_message() {
  cat >&2 <<MSG
berth: no JDK 25 or newer found (looked at JAVA_HOME=${JAVA_HOME:-<unset>} and ${BERTH_JDK_SEARCH:-/usr/lib/jvm}/*).
Install one, e.g. 'apt-get install temurin-25-jdk' (Adoptium repository) or 'openjdk-25-jdk',
or point JAVA_HOME at it: export JAVA_HOME=/path/to/jdk-25
MSG
}
