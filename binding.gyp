{
  "targets": [
    {
      "target_name": "udp_batch",
      "sources": ["native/udp_batch.c"],
      "cflags": ["-O2", "-Wall", "-Wextra"],
      "conditions": [["OS!='linux'", {"type": "none"}]]
    },
    {
      "target_name": "crc32_clmul",
      "sources": ["native/crc32_clmul.c"],
      "cflags": ["-O2", "-Wall", "-Wextra"]
    }
  ]
}
