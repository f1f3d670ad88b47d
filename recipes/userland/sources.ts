// Pinned Debian 12 source packages (the .dsc's sha256; it pins the tarballs) of the guest
// userland batu builds itself. The registry serves these; batctl's orig tarball it does not.
import { debSource } from '../../lib/derivations/index.ts';

export const sources = {
  alfred: debSource({ package: 'alfred', version: '2023.0-1', sha256: '7f318599c2439a388c7a170540e5cef6354d1cb29e438fae5193f909b25bd79c' }),
  libnl3: debSource({ package: 'libnl3', version: '3.7.0-0.2', sha256: 'dd41ed81344119f158f3ed194dad966247f21a1d1ee078295d347b4ec7c2adef' }),
  socat: debSource({ package: 'socat', version: '1.7.4.4-2', sha256: 'd69a6c1c1f3e36959b3f43b0383c537a924e5f0dcae6f803621aef9491a71e5a' }),
};
