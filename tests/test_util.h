// test_util.h - what the suites that touch files and run the anybit binary
// share: a per-suite temporary directory, whole-file read/write, and running
// a command with its stdout, stderr and exit status captured.
#ifndef ANYBIT_TEST_UTIL_H
#define ANYBIT_TEST_UTIL_H

#include <gtest/gtest.h>

#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

namespace anybit_test {

// $ANYBIT_TEST_TMP/<sub> (CTest sets the variable per build tree), created.
inline std::string tmp_dir(const std::string &sub)
{
    const char *env = std::getenv("ANYBIT_TEST_TMP");
    const std::string dir = std::string(env ? env : "/tmp/anybit-test") + "/" + sub;
    EXPECT_EQ(std::system(("mkdir -p '" + dir + "'").c_str()), 0);
    return dir;
}

inline std::string slurp(const std::string &path)
{
    std::ifstream in(path, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

inline void spit(const std::string &path, const std::string &bytes)
{
    std::ofstream(path, std::ios::binary) << bytes;
}

inline bool exists(const std::string &path)
{
    struct stat st;
    return stat(path.c_str(), &st) == 0;
}

inline size_t count_lines(const std::string &s)
{
    size_t n = 0;
    for (char c : s)
        n += c == '\n';
    return n;
}

// s with the first occurrence of `from` replaced by `to`; a missing `from`
// fails the test (a mutation that matches nothing would test nothing).
inline std::string replace(std::string s, const std::string &from, const std::string &to)
{
    const size_t p = s.find(from);
    EXPECT_NE(p, std::string::npos) << from;
    if (p != std::string::npos)
        s.replace(p, from.size(), to);
    return s;
}

struct CliRun {
    int status;
    std::string out, err;
};

// Runs a shell command line with stdout and stderr captured to files in
// `dir`; the pid and a counter keep captures of parallel CTest processes
// apart.
inline CliRun run_command(const std::string &cmd, const std::string &dir)
{
    static int counter = 0;
    const std::string tag = std::to_string(getpid()) + "-" + std::to_string(counter++);
    const std::string out = dir + "/out" + tag + ".txt", err = dir + "/err" + tag + ".txt";
    const int raw = std::system((cmd + " >'" + out + "' 2>'" + err + "'").c_str());
    CliRun r;
    r.status = WIFEXITED(raw) ? WEXITSTATUS(raw) : 128;
    r.out = slurp(out);
    r.err = slurp(err);
    return r;
}

// `anybit ARGS` (the binary of this build tree).
inline CliRun anybit(const std::string &args, const std::string &dir = tmp_dir("cli"))
{
    return run_command(std::string(ANYBIT_BIN) + " " + args, dir);
}

} // namespace anybit_test

#endif
