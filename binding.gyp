{
  # Built by `node-gyp rebuild`, which npm runs on install for a package with a binding.gyp and no
  # install script (https://docs.npmjs.com/cli/v10/configuring-npm/package-json#default-values).
  # src/checksums/crc64nvme.ts loads build/Release/crc64nvme.node and falls back to pure JS.
  "targets": [
    {
      "target_name": "crc64nvme",
      "sources": ["native/crc64nvme.c"],
      "cflags_c": ["-std=c11", "-O3", "-Wall", "-Wextra"],
      "defines": ["_POSIX_C_SOURCE=200809L"],
      "xcode_settings": {
        "OTHER_CFLAGS": ["-std=c11", "-O3"]
      }
    }
  ]
}
