{
  "targets": [
    {
      "target_name": "processkit",
      "sources": [
        "native/addon.c",
        "native/child.c",
        "native/clone3.c",
        "native/reaper.c",
        "native/registry.c",
        "native/spawn.c",
        "native/watch.c"
      ],
      "cflags": ["-std=gnu11", "-O2", "-Wall", "-Wextra", "-fno-tree-loop-distribute-patterns"],
      "conditions": [["OS!='linux'", { "sources!": [
        "native/child.c", "native/clone3.c", "native/reaper.c", "native/registry.c", "native/spawn.c", "native/watch.c"
      ] }]]
    }
  ]
}
