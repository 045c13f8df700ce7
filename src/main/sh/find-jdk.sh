# Sourced by ./mvnw and the octo-sts launcher: octosts_find_jdk sets JAVA_HOME to a JDK 21 or newer, or
# prints one line naming what to install and fails. It takes JAVA_HOME when set (and refuses one that is
# too old), else the `java` on the PATH, else the newest JDK in the usual places.

octosts_java_feature() { # the feature release of the Java home $1 (17, 21, 25...), from its release file
  sed -n 's/^JAVA_VERSION="\([0-9]*\).*/\1/p' "$1/release" 2>/dev/null | head -n 1
}

octosts_find_jdk() {
  if [ -n "${JAVA_HOME-}" ]; then
    octosts_feature=$(octosts_java_feature "$JAVA_HOME")
    if [ "${octosts_feature:-0}" -ge 21 ] 2>/dev/null; then
      return 0
    fi
    echo "octo-sts needs JDK 21 or newer: JAVA_HOME=$JAVA_HOME is JDK ${octosts_feature:-of unknown version} (unset JAVA_HOME to use the newest JDK on this machine)" >&2
    return 1
  fi
  octosts_found=
  octosts_best=0
  octosts_path_java=$(command -v java 2>/dev/null || true)
  if [ -n "$octosts_path_java" ]; then
    octosts_path_home=$(dirname "$(dirname "$(readlink -f "$octosts_path_java" 2>/dev/null || echo "$octosts_path_java")")")
    set -- "$octosts_path_home"
  else
    set --
  fi
  # Globs: mvnw runs with `set -f`.
  octosts_glob=$(case $- in *f*) echo "set -f" ;; esac)
  set +f
  for octosts_home in "$@" /usr/lib/jvm/* /usr/java/* /opt/java/* /opt/jdk* "$HOME"/.sdkman/candidates/java/* "$HOME"/.jdks/* \
      /Library/Java/JavaVirtualMachines/*/Contents/Home; do
    [ -x "$octosts_home/bin/java" ] || continue
    octosts_feature=$(octosts_java_feature "$octosts_home")
    if [ "${octosts_feature:-0}" -ge 21 ] 2>/dev/null && [ "$octosts_feature" -gt "$octosts_best" ]; then
      octosts_best=$octosts_feature
      octosts_found=$octosts_home
      # The java on the PATH wins when it is new enough.
      if [ "$octosts_home" = "${octosts_path_home-}" ]; then
        break
      fi
    fi
  done
  $octosts_glob
  if [ -z "$octosts_found" ]; then
    echo "octo-sts needs JDK 21 or newer and found none (java on the PATH: ${octosts_path_home:-none}; also looked in /usr/lib/jvm): install one, e.g. 'apt-get install openjdk-21-jdk-headless' or Temurin 25, or set JAVA_HOME to it" >&2
    return 1
  fi
  JAVA_HOME=$octosts_found
  export JAVA_HOME
}
