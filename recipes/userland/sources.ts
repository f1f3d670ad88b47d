// Pinned Debian 12 source packages (the .dsc's sha256; it pins the tarballs) of the guest
// userland batu builds itself (socat; alfred's and libnl3's are served too: see recipes/alfred.ts).
// batctl's orig tarball the registry does not serve.
import { debSource } from '../../lib/derivations/index.ts';

export const sources = {
  socat: debSource({ package: 'socat', version: '1.7.4.4-2', sha256: 'd69a6c1c1f3e36959b3f43b0383c537a924e5f0dcae6f803621aef9491a71e5a' }),
};
