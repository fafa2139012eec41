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
      # Never unmapped: a worker that ends unloads its addons, and libuv may still run our
      # close callbacks (the exit watches of children that outlive the worker) after that.
      "ldflags": ["-Wl,-z,nodelete"],
      "conditions": [["OS!='linux'", { "sources!": [
        "native/child.c", "native/clone3.c", "native/reaper.c", "native/registry.c", "native/spawn.c", "native/watch.c"
      ] }]]
    }
  ]
}
