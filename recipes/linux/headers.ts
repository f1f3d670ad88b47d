// The uapi headers userland compiles against (`$out/include`; UML exports none, its host
// arch's serve): a derivation of the kernel source alone, no config (Nix's linuxHeaders).
import { kernelBuild } from '../../lib/stdenv/index.ts';
import { upstream } from '../pins.ts';
import { kernelSource, type KernelSeries } from './sources.ts';

export const uapiHeaders = (series: KernelSeries = '6.12') =>
  kernelBuild({
    name: 'linux-uapi-headers',
    version: upstream(kernelSource(series).version),
    src: kernelSource(series),
    compile: 'make ARCH=x86 headers_install INSTALL_HDR_PATH="$out" > /dev/null',
  });
