// The Node side of the executor and the plan cache: primitives, and no policy.
//   rawArgv()          the process's own argv as Buffers, read from /proc/self/cmdline, so that
//                      bytes that are not valid UTF-8 reach the launched program unchanged.
//   memfd(name, data)  an inheritable (non-CLOEXEC) memory file holding `data`, for handing a plan
//                      to the helper across execve.
//   execve(path, argv)  replace this process (Node has no execve before 22.15), with stdin,
//                      stdout and stderr inherited and this process's own environment: the C
//                      `environ`, byte for byte (process.env is Node's UTF-8 decoding of it, which
//                      turns bytes that are not UTF-8 into U+FFFD; Node's own writes to process.env
//                      are in environ too). Only returns by throwing, with errno and path.
//   rawEnv(name)       the variable's value as Buffer (undefined when unset): what the environment
//                      holds, where process.env has Node's UTF-8 decoding of it.
//   applyEnvOps(plan, env)  the environment a plan's environment operations make of `env`
//                      (env-ops.h, the executor's own code), for the planner's preview; its
//                      "NAME=value" entries as Buffers (values need not be UTF-8).
//   identity(path, follow, owner)  what runner-front's re-check of a plan-cache record finds at
//                      `path`, by its own code (batch-stat.h): dev:ino:mode:size:mtime_ns:ctime_ns
//                      (uid:gid:mode for an owner record), or E<errno> when the stat fails.
//   userNamespaces(path)  the user namespace at `path` (/proc/PID/ns/user) and its ancestors as
//                      far as the caller may see them ("user:[inode]" each, innermost first): a
//                      named view's processes are those whose chain holds the view's namespace.
#include <fcntl.h>
#include <linux/nsfs.h>
#include <napi.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "batch-stat.h"
#include "caller-state.h"
#include "env-ops.h"
#include "plan.h"

namespace {

Napi::Value ThrowErrno(Napi::Env env, const std::string& op, const std::string& path, int err) {
  Napi::Error e = Napi::Error::New(env, op + " " + path + ": " + strerror(err));
  e.Set("errno", Napi::Number::New(env, err));
  e.Set("syscall", Napi::String::New(env, op));
  e.Set("path", Napi::String::New(env, path));
  e.ThrowAsJavaScriptException();
  return env.Undefined();
}

// A call with arguments of the wrong kind: a TypeError naming the expected signature.
Napi::Value ThrowUsage(Napi::Env env, const char* signature) {
  Napi::TypeError::New(env, signature).ThrowAsJavaScriptException();
  return env.Undefined();
}

// Strings or Buffers become NUL-terminated byte strings; a Buffer keeps its bytes exactly.
bool ToBytes(const Napi::Value& v, std::string* out) {
  if (v.IsBuffer()) {
    auto b = v.As<Napi::Buffer<char>>();
    out->assign(b.Data(), b.Length());
  } else if (v.IsString()) {
    *out = v.As<Napi::String>().Utf8Value();
  } else {
    return false;
  }
  return out->find('\0') == std::string::npos;
}

bool ToByteList(const Napi::Value& v, std::vector<std::string>* out) {
  if (!v.IsArray()) return false;
  auto arr = v.As<Napi::Array>();
  for (uint32_t i = 0; i < arr.Length(); i++) {
    std::string s;
    if (!ToBytes(arr.Get(i), &s)) return false;
    out->push_back(std::move(s));
  }
  return true;
}

std::vector<char*> CPointers(std::vector<std::string>& list) {
  std::vector<char*> ptrs;
  for (auto& s : list) ptrs.push_back(s.data());
  ptrs.push_back(nullptr);
  return ptrs;
}

Napi::Value RawArgv(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int fd = open("/proc/self/cmdline", O_RDONLY | O_CLOEXEC);
  if (fd < 0) return ThrowErrno(env, "open", "/proc/self/cmdline", errno);
  std::string all;
  char buf[65536];
  for (;;) {
    ssize_t n = read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      int e = errno;
      close(fd);
      return ThrowErrno(env, "read", "/proc/self/cmdline", e);
    }
    if (n == 0) break;
    all.append(buf, n);
  }
  close(fd);
  Napi::Array result = Napi::Array::New(env);
  size_t start = 0;
  uint32_t i = 0;
  while (start < all.size()) {
    size_t end = all.find('\0', start);
    if (end == std::string::npos) end = all.size();
    result.Set(i++, Napi::Buffer<char>::Copy(env, all.data() + start, end - start));
    start = end + 1;
  }
  return result;
}

Napi::Value Memfd(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string name, data;
  if (info.Length() < 2 || !ToBytes(info[0], &name) || !info[1].IsBuffer())
    return ThrowUsage(env, "memfd(name: string, data: Buffer)");
  auto b = info[1].As<Napi::Buffer<char>>();
  int fd = memfd_create(name.c_str(), 0);  // no MFD_CLOEXEC: the helper inherits it
  if (fd < 0) return ThrowErrno(env, "memfd_create", name, errno);
  size_t done = 0;
  while (done < b.Length()) {
    ssize_t n = write(fd, b.Data() + done, b.Length() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      int e = errno;
      close(fd);
      return ThrowErrno(env, "write", name, e);
    }
    done += n;
  }
  lseek(fd, 0, SEEK_SET);
  return Napi::Number::New(env, fd);
}

Napi::Value Execve(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string path;
  std::vector<std::string> argv;
  if (info.Length() < 2 || !ToBytes(info[0], &path) || !ToByteList(info[1], &argv))
    return ThrowUsage(env, "execve(path, argv[]) takes strings or Buffers without NUL");
  auto argvp = CPointers(argv);
  // Node marks the inherited descriptors close-on-exec at start-up (uv_disable_stdio_inheritance);
  // the program we hand over to must get them as we got them: stdin, stdout, stderr, and the ones
  // runner-front found open before Node started (RUNNER_CALLER_STATE "fds=3,5;...").
  std::vector<int> keep = CallerStateList("fds");
  keep.insert(keep.end(), {0, 1, 2});
  for (int fd : keep) {
    int flags = fcntl(fd, F_GETFD);
    if (flags >= 0) fcntl(fd, F_SETFD, flags & ~FD_CLOEXEC);
  }
  execve(path.c_str(), argvp.data(), environ);
  return ThrowErrno(env, "execve", path, errno);
}

Napi::Value RawEnv(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string name;
  if (info.Length() < 1 || !ToBytes(info[0], &name)) return ThrowUsage(env, "rawEnv(name: string)");
  const char* value = getenv(name.c_str());
  if (value == nullptr) return env.Undefined();
  return Napi::Buffer<char>::Copy(env, value, strlen(value));
}

Napi::Value ApplyEnvOps(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::vector<std::string> vars;
  if (info.Length() < 2 || !info[0].IsBuffer() || !ToByteList(info[1], &vars))
    return ThrowUsage(env, "applyEnvOps(plan: Buffer, env: (string | Buffer)[])");
  auto b = info[0].As<Napi::Buffer<char>>();
  std::vector<Op> ops;
  std::string error;
  if (!ParseOps(std::string(b.Data(), b.Length()), kPlanMagic, &ops, &error)) {
    Napi::Error::New(env, "bad plan: " + error).ThrowAsJavaScriptException();
    return env.Undefined();
  }
  Napi::Array warnings = Napi::Array::New(env);
  for (const Op& op : ops) {
    if (!IsEnvOp(op.name)) continue;
    std::string warning;
    ApplyEnvOp(op, &vars, &warning);
    if (!warning.empty()) warnings.Set(warnings.Length(), Napi::String::New(env, warning));
  }
  Napi::Array result = Napi::Array::New(env);
  // As bytes: a value need not be UTF-8 (the caller's own, or one built from it).
  for (const auto& v : vars) result.Set(result.Length(), Napi::Buffer<char>::Copy(env, v.data(), v.size()));
  Napi::Object out = Napi::Object::New(env);
  out.Set("env", result);
  out.Set("warnings", warnings);
  return out;
}

Napi::Value StatIdentity(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string path;
  if (info.Length() < 3 || !ToBytes(info[0], &path) || !info[1].IsBoolean() || !info[2].IsBoolean())
    return ThrowUsage(env, "identity(path: string | Buffer, follow: boolean, owner: boolean)");
  return Napi::String::New(env, IdentityOf(path, info[1].As<Napi::Boolean>(), info[2].As<Napi::Boolean>()));
}

Napi::Value UserNamespaces(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string path;
  if (info.Length() < 1 || !ToBytes(info[0], &path)) return ThrowUsage(env, "userNamespaces(path: string)");
  Napi::Array chain = Napi::Array::New(env);
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  // Up to the first namespace the caller may not see (EPERM) or the initial one (no parent).
  while (fd >= 0 && chain.Length() < 64) {
    struct stat st {};
    if (fstat(fd, &st) != 0) break;
    chain.Set(chain.Length(), Napi::String::New(env, "user:[" + std::to_string(st.st_ino) + "]"));
    int parent = ioctl(fd, NS_GET_PARENT);
    close(fd);
    fd = parent;
  }
  if (fd >= 0) close(fd);
  return chain;
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("rawArgv", Napi::Function::New(env, RawArgv));
  exports.Set("memfd", Napi::Function::New(env, Memfd));
  exports.Set("execve", Napi::Function::New(env, Execve));
  exports.Set("rawEnv", Napi::Function::New(env, RawEnv));
  exports.Set("applyEnvOps", Napi::Function::New(env, ApplyEnvOps));
  exports.Set("identity", Napi::Function::New(env, StatIdentity));
  exports.Set("userNamespaces", Napi::Function::New(env, UserNamespaces));
  return exports;
}

}  // namespace

NODE_API_MODULE(runner_addon, Init)
