# Sourced by the other scripts: puts the Swift toolchain on PATH where it is installed but not listed.
if ! command -v swift >/dev/null 2>&1 && [ -x /opt/swift/usr/bin/swift ]; then
  export PATH="$PATH:/opt/swift/usr/bin"
fi
