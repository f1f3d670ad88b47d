// Pinned Debian 12 binary packages of the guest userland and its shared libraries.
// Regenerate a line with: npx tsx scripts/pin-debs.ts PACKAGE
import { debPackage } from '../../lib/derivations/index.ts';

export const debs = {
  'linux-libc-dev': debPackage({ package: 'linux-libc-dev', version: '6.1.192-2', sha256: 'e0632f8e55ec0d2d1c56f9c65a8bcb64ad5d79add297266bc89c616dfef9a7fe' }),
  'batctl': debPackage({ package: 'batctl', version: '2023.0-1', sha256: 'c31616c7a69db86300e07195dc562af16d1e52d084748603c2dd9e9911c2ecfe' }),
  'alfred': debPackage({ package: 'alfred', version: '2023.0-1', sha256: '2188a445dbc245f343491429d77744033e3832acfa132afd7f58a4947f48a13a' }),
  'diod': debPackage({ package: 'diod', version: '1.0.24-5', sha256: 'cd78f55e91d68ee84496f3738eed4c4f048941710cd280433a12cc548e5f1bd1' }),
  'libc6': debPackage({ package: 'libc6', version: '2.36-9+deb12u14', sha256: 'ba4f88f73dbc3ae9055f3c20f4523bfdbaf1ad13ff95e258924f77d20b4fbedf' }),
  'libnl-3-200': debPackage({ package: 'libnl-3-200', version: '3.7.0-0.2+b1', sha256: 'd1fc3e9eb8e79b4c96b0a64c3d8c9e068ae2f665cab71bd19f417ffd0453a890' }),
  'libnl-genl-3-200': debPackage({ package: 'libnl-genl-3-200', version: '3.7.0-0.2+b1', sha256: '1f7b198f5d87659f815140ed41c1517b2fe41ba62c5b15b0bafdcc2d61801871' }),
  'libcap2': debPackage({ package: 'libcap2', version: '1:2.66-4+deb12u3+b1', sha256: '8d684c673e7483802a5c447834b0df6fce006eb3a7109e1be412f5ad425bb24f' }),
  'libwrap0': debPackage({ package: 'libwrap0', version: '7.6.q-32', sha256: 'cbce2669a3ba4d74cfdc52b14f38014893e23d85a33d109a3422c342eefc55f8' }),
  'libnsl2': debPackage({ package: 'libnsl2', version: '1.3.0-2', sha256: 'c0d83437fdb016cb289436f49f28a36be44b3e8f1f2498c7e3a095f709c0d6f8' }),
  'libtirpc3': debPackage({ package: 'libtirpc3', version: '1.3.3+ds-1', sha256: '2a46d5a5e9486da11ffeff5740931740d6deae4f92cd6098df060dc5dff1e1c7' }),
  'libgssapi-krb5-2': debPackage({ package: 'libgssapi-krb5-2', version: '1.20.1-2+deb12u5', sha256: 'd8b87aea91b956b416c01a28c44ff6228315ae3b73de40acddac3dc5043607d2' }),
  'libkrb5-3': debPackage({ package: 'libkrb5-3', version: '1.20.1-2+deb12u5', sha256: 'c90801be09701af221b54dd502a59cb378b7284ff31e480738baca317d2f7653' }),
  'libk5crypto3': debPackage({ package: 'libk5crypto3', version: '1.20.1-2+deb12u5', sha256: '7b6e47d15c5c9cdcd456137533d8308aeba608a54cec73b28bd59bfc4b54cf06' }),
  'libcom-err2': debPackage({ package: 'libcom-err2', version: '1.47.0-2+b2', sha256: 'a2bac7015e78fbc0c504df3e441f3a22292f1d2d77f9ccda760057f3690e22f2' }),
  'libkrb5support0': debPackage({ package: 'libkrb5support0', version: '1.20.1-2+deb12u5', sha256: '8b9c05f2d8d461a10d657b118f572af5bf8fd6c8f93dcef81e852c5ab0f428ab' }),
  'libkeyutils1': debPackage({ package: 'libkeyutils1', version: '1.6.3-2', sha256: 'cfac89e6a7a54ff3c6a4f843310e25efeddaa771baeae470bd98bd588c373563' }),
  'liblua5.1-0': debPackage({ package: 'liblua5.1-0', version: '5.1.5-9', sha256: '5400fac99da7aba50ce4703bdee23c29fdf1acc619cd6c2c312589a4a7e69c71' }),
  'libmunge2': debPackage({ package: 'libmunge2', version: '0.5.15-2+deb12u1', sha256: '533a38220c7f2a38a1130f5f80033d1a07723880fa352299b22a10ba99ce826e' }),
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
