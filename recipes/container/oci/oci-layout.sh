#!/bin/bash
# oci-layout.sh ROOT OUT: the file tree ROOT as a one-layer OCI image layout in OUT (what
# skopeo, podman and containerd read), the same bytes from the same tree: entries sorted,
# owned by root, mtimes at SOURCE_DATE_EPOCH, no atime/ctime, gzip without name or time.
# $config is the image config with @DIFF_ID@ where the layer's uncompressed digest goes;
# $ref names the image in index.json.
set -euo pipefail
root=$1 out=$2
chmod -R u+w,go-w,a+rX "$root"
chmod 1777 "$root/tmp"
(cd "$root" && LC_ALL=C ls -A | LC_ALL=C sort) > top
tar --sort=name --format=posix --pax-option=exthdr.name=%d/PaxHeaders/%f,delete=atime,delete=ctime \
  --mtime="@$SOURCE_DATE_EPOCH" --owner=0 --group=0 --numeric-owner -C "$root" -cf layer.tar -T top
gzip -n -c layer.tar > layer.tar.gz
mkdir -p "$out/blobs/sha256"
# blob FILE: put FILE into the layout under its digest; prints "DIGEST SIZE".
blob() {
  local digest
  digest=$(sha256sum "$1" | cut -d' ' -f1)
  cp "$1" "$out/blobs/sha256/$digest"
  echo "$digest $(stat -c %s "$1")"
}
diff_id=$(sha256sum layer.tar | cut -d' ' -f1)
read -r layer layer_size < <(blob layer.tar.gz)
printf '%s' "${config//@DIFF_ID@/$diff_id}" > config.json
read -r cfg cfg_size < <(blob config.json)
printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:%s","size":%s},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar+gzip","digest":"sha256:%s","size":%s}]}' \
  "$cfg" "$cfg_size" "$layer" "$layer_size" > manifest.json
read -r man man_size < <(blob manifest.json)
printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:%s","size":%s,"annotations":{"org.opencontainers.image.ref.name":"%s"}}]}' \
  "$man" "$man_size" "$ref" > "$out/index.json"
printf '{"imageLayoutVersion":"1.0.0"}' > "$out/oci-layout"
echo "oci-layout: layer sha256:$layer ($layer_size bytes, $(stat -c %s layer.tar) unpacked), manifest sha256:$man"
