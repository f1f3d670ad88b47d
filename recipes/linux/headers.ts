// The uapi headers userland compiles against (`$out/include`; UML exports none, its host
// arch's serve): a derivation of the kernel source alone, no config (Nix's linuxHeaders).
import { kernelBuild } from '../../lib/stdenv/index.ts';
import { upstream } from '../pins.ts';
import { kernelSources, type KernelSeries } from './sources.ts';

export const uapiHeaders = (series: KernelSeries = '6.12') =>
  kernelBuild({
    name: 'linux-uapi-headers',
    version: upstream(kernelSources[series].version),
    src: kernelSources[series],
    compile: 'make ARCH=x86 headers_install INSTALL_HDR_PATH="$out" > /dev/null',
  });
