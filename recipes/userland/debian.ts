// Pinned Debian 12 binary packages of the guest userland and its shared libraries.
// Regenerate a line with: npx tsx scripts/pin-debs.ts PACKAGE
import { debPackage } from '../../lib/derivations/index.ts';

export const debs = {
  'linux-libc-dev': debPackage({ package: 'linux-libc-dev', version: '6.1.192-2', sha256: 'e0632f8e55ec0d2d1c56f9c65a8bcb64ad5d79add297266bc89c616dfef9a7fe' }),
  'batctl': debPackage({ package: 'batctl', version: '2023.0-1', sha256: 'c31616c7a69db86300e07195dc562af16d1e52d084748603c2dd9e9911c2ecfe' }),
  'alfred': debPackage({ package: 'alfred', version: '2023.0-1', sha256: '2188a445dbc245f343491429d77744033e3832acfa132afd7f58a4947f48a13a' }),
  'socat': debPackage({ package: 'socat', version: '1.7.4.4-2', sha256: '2bf3094e16ce0aab245193eb6b7cb6b6e086f68d321b757e2090901b4cd7f826' }),
  'diod': debPackage({ package: 'diod', version: '1.0.24-5', sha256: 'cd78f55e91d68ee84496f3738eed4c4f048941710cd280433a12cc548e5f1bd1' }),
  'libc6': debPackage({ package: 'libc6', version: '2.36-9+deb12u14', sha256: 'ba4f88f73dbc3ae9055f3c20f4523bfdbaf1ad13ff95e258924f77d20b4fbedf' }),
  'libnl-3-200': debPackage({ package: 'libnl-3-200', version: '3.7.0-0.2+b1', sha256: 'd1fc3e9eb8e79b4c96b0a64c3d8c9e068ae2f665cab71bd19f417ffd0453a890' }),
  'libnl-genl-3-200': debPackage({ package: 'libnl-genl-3-200', version: '3.7.0-0.2+b1', sha256: '1f7b198f5d87659f815140ed41c1517b2fe41ba62c5b15b0bafdcc2d61801871' }),
  'libcap2': debPackage({ package: 'libcap2', version: '1:2.66-4+deb12u3+b1', sha256: '8d684c673e7483802a5c447834b0df6fce006eb3a7109e1be412f5ad425bb24f' }),
  'libwrap0': debPackage({ package: 'libwrap0', version: '7.6.q-32', sha256: 'cbce2669a3ba4d74cfdc52b14f38014893e23d85a33d109a3422c342eefc55f8' }),
  'libssl3': debPackage({ package: 'libssl3', version: '3.0.22-1~deb12u2', sha256: 'cb4784740daa9b3b0eaea2b444bbefa686794afbbf3d678d238c1fd9875f2efd' }),
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
};
export type DebName = keyof typeof debs;
