{
  "targets": [
    {
      "target_name": "runner_addon",
      "sources": ["addon/addon.cc", "addon/batch-stat.cc", "addon/plan.cc", "addon/env-ops.cc"],
      "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")"],
      "defines": ["NAPI_VERSION=8", "NAPI_DISABLE_CPP_EXCEPTIONS"],
      "cflags_cc": ["-std=c++17", "-Wall", "-Wextra"]
    },
    {
      "target_name": "runner-front",
      "type": "executable",
      "sources": ["addon/front.cc", "addon/cache.cc", "addon/batch-stat.cc", "addon/executor.cc", "addon/env-ops.cc", "addon/plan.cc", "addon/view-builder.cc", "addon/syscalls.cc", "addon/messages.cc"],
      "defines": ["RUNNER_NODE=\"<!(node -p \"process.env.RUNNER_PREBUILT ? '' : process.execPath\")\"", "RUNNER_NODE_FLAGS=\"<!(node -p \"require('./package.json').config.nodeFlags\")\""],
      "cflags_cc": ["-std=c++17", "-Wall", "-Wextra", "-O2"],
      "ldflags": ["-static"]
    },
    {
      "target_name": "runner-exec",
      "type": "executable",
      "sources": ["addon/exec.cc", "addon/executor.cc", "addon/env-ops.cc", "addon/plan.cc", "addon/view-builder.cc", "addon/syscalls.cc", "addon/messages.cc", "addon/probes.cc"],
      "cflags_cc": ["-std=c++17", "-Wall", "-Wextra", "-O2"],
      "ldflags": ["-static-libstdc++"]
    }
  ]
}
