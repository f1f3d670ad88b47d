// Pinned Debian 12 binary packages of the guest userland and its shared libraries.
// Regenerate a line with: npx tsx scripts/pin-debs.ts PACKAGE
import { debPackage } from '../../lib/derivations/index.ts';

export const debs = {
  'linux-libc-dev': debPackage({ package: 'linux-libc-dev', version: '6.1.192-2', sha256: 'e0632f8e55ec0d2d1c56f9c65a8bcb64ad5d79add297266bc89c616dfef9a7fe' }),
  'batctl': debPackage({ package: 'batctl', version: '2023.0-1', sha256: 'c31616c7a69db86300e07195dc562af16d1e52d084748603c2dd9e9911c2ecfe' }),
  'alfred': debPackage({ package: 'alfred', version: '2023.0-1', sha256: '2188a445dbc245f343491429d77744033e3832acfa132afd7f58a4947f48a13a' }),
  'libc6': debPackage({ package: 'libc6', version: '2.36-9+deb12u14', sha256: 'ba4f88f73dbc3ae9055f3c20f4523bfdbaf1ad13ff95e258924f77d20b4fbedf' }),
  'libnl-3-200': debPackage({ package: 'libnl-3-200', version: '3.7.0-0.2+b1', sha256: 'd1fc3e9eb8e79b4c96b0a64c3d8c9e068ae2f665cab71bd19f417ffd0453a890' }),
  'libnl-genl-3-200': debPackage({ package: 'libnl-genl-3-200', version: '3.7.0-0.2+b1', sha256: '1f7b198f5d87659f815140ed41c1517b2fe41ba62c5b15b0bafdcc2d61801871' }),
  'libcap2': debPackage({ package: 'libcap2', version: '1:2.66-4+deb12u3+b1', sha256: '8d684c673e7483802a5c447834b0df6fce006eb3a7109e1be412f5ad425bb24f' }),
  'iproute2': debPackage({ package: 'iproute2', version: '6.1.0-3', sha256: '1204b29e916e836267096d0b9d778106752f821ebde0d281539008b4386d9070' }),
  'libbpf1': debPackage({ package: 'libbpf1', version: '1:1.1.2-0+deb12u1', sha256: '5e7505ef77ebc84ad0203411e4afdeb8a98f40fb7f78f013aa4dd8710e49f8ed' }),
  'libelf1': debPackage({ package: 'libelf1', version: '0.188-2.1', sha256: '619add379c606b3ac6c1a175853b918e6939598a83d8ebadf3bdfd50d10b3c8c' }),
  'libmnl0': debPackage({ package: 'libmnl0', version: '1.0.4-3', sha256: '4581f42e3373cb72f9ea4e88163b17873afca614a6c6f54637e95aa75983ea7c' }),
  'libbsd0': debPackage({ package: 'libbsd0', version: '0.11.7-2', sha256: 'bb31cc8b40f962a85b2cec970f7f79cc704a1ae4bad24257a822055404b2c60b' }),
  'libxtables12': debPackage({ package: 'libxtables12', version: '1.8.9-2', sha256: 'cb841d66950a43af4a398625313d2f3da9065299c9738538de6c2c3495857040' }),
  'zlib1g': debPackage({ package: 'zlib1g', version: '1:1.2.13.dfsg-1', sha256: 'd7dd1d1411fedf27f5e27650a6eff20ef294077b568f4c8c5e51466dc7c08ce4' }),
  'libmd0': debPackage({ package: 'libmd0', version: '1.0.4-2', sha256: '03539fd30c509e27101d13a56e52eda9062bdf1aefe337c07ab56def25a13eab' }),
};
export type DebName = keyof typeof debs;
