#!/bin/bash
# install-build-tree.sh DEST: run in a built kernel tree; copies what an out-of-tree
# module build needs (like Debian's linux-headers): Makefiles, Kconfig, headers,
# scripts with their host programs, .config and Module.symvers.
set -euo pipefail
dest=$1
mkdir -p "$dest"
{
  find . -path ./Documentation -prune -o \( -name 'Makefile*' -o -name 'Kbuild*' -o -name 'Kconfig*' -o -name '*.lds' \) -print
  find include scripts arch/um/include arch/um/scripts arch/x86/include arch/x86/um/shared arch/x86/entry/syscalls \
    -type f 2>/dev/null
  find arch/x86/um -name '*.h' -o -name 'Makefile*'
  echo .config; echo Module.symvers
} | grep -v '\.o$' | grep -v '\.cmd$' | sort -u | rsync -a --files-from=- . "$dest"
