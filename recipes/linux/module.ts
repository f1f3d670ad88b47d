// Out-of-tree kernel modules built against a UML kernel's prepared tree (its build/).
import { derivation, type Derivation, type Input } from '../../lib/derivations/index.ts';
import { applyPatches } from './kernel.ts';

export interface ModuleOptions {
  name: string;
  version: string;
  /** The kernel (umlKernel(...)) the module must match. */
  kernel: Derivation;
  /** Source: a tree (directory pinned by content hash) or a url/tarball input. */
  src: Input;
  /** Patch files applied with `patch -p1`, in order (e.g. repoFiles of a patches dir). */
  patches?: Input;
  /** Run in the source dir with $KERNEL_BUILD set; default: Kbuild's own M= build. */
  make?: string;
}

export function kernelModule({ name, version, kernel, src, patches, make }: ModuleOptions) {
  return derivation({
    name, version,
    // src first: a source that has to be `store add`ed fails before any kernel build.
    inputs: { src, ...(patches ? { patches } : {}), kernel },
    tools: ['make', 'gcc', 'cc', 'as', 'ld', 'ar', 'nm', 'objcopy', 'objdump', 'strip', 'readelf', 'perl', 'bc'],
    env: { makeCommand: make ?? 'make -C "$KERNEL_BUILD" ARCH=um M="$PWD" modules' },
    builder: `
      phase unpack
      tarballs=("$src"/*.tar* "$src"/*.tgz)
      if [ "\${#tarballs[@]}" -eq 1 ]; then
        mkdir src && tar -xf "\${tarballs[0]}" -C src --strip-components=1
      else
        cp -r "$src" src
      fi
      chmod -R u+w src
      # Kbuild writes next to the prepared tree: work on a writable copy.
      cp -r "$kernel/build" kbuild && chmod -R u+w kbuild
      export KERNEL_BUILD="$PWD/kbuild"
      cd src${patches ? applyPatches() : ''}
      phase compile
      export KCFLAGS="-ffile-prefix-map=$PWD=/build/module -ffile-prefix-map=$KERNEL_BUILD=/build/linux"
      export KBUILD_BUILD_TIMESTAMP='Thu Jan  1 00:00:01 UTC 1970' KBUILD_BUILD_USER=batu KBUILD_BUILD_HOST=batu
      eval "$makeCommand"
      phase install
      mkdir -p "$out/lib/modules"
      find . -name '*.ko' -exec install -m 644 {} "$out/lib/modules/" \\;
      ls "$out/lib/modules"/*.ko > /dev/null || { echo "no .ko was built" >&2; exit 1; }
    `,
  });
}
