// fpga_sim.cpp - `anybit fpga sim` (fpga_sim.h): the board, its pty, and
// the command run against it.
#include "fpga_sim.h"

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <vector>

#include "board_model.hpp"
#include "pty_bridge.hpp"

namespace {

int fail(const std::string &msg)
{
    std::fprintf(stderr, "anybit fpga sim: %s\n", msg.c_str());
    return 2;
}

void print_stats(const ab_fpga_sim::BridgeStats &s)
{
    std::fprintf(stderr,
                 "anybit fpga sim: %llu board clocks in %.3f s (%.2f M clocks/s); host -> board "
                 "%llu bytes (dropped %llu, flipped %llu), board -> host %llu bytes (forwarded "
                 "%llu, dropped %llu, flipped %llu, muted %llu), %llu replies, %llu framing "
                 "errors\n",
                 (unsigned long long)s.clocks, s.busy_seconds,
                 s.busy_seconds > 0 ? double(s.clocks) / s.busy_seconds / 1e6 : 0.0,
                 (unsigned long long)s.host_bytes, (unsigned long long)s.dropped_rx,
                 (unsigned long long)s.flipped_rx, (unsigned long long)s.board_bytes,
                 (unsigned long long)s.forwarded, (unsigned long long)s.dropped_tx,
                 (unsigned long long)s.flipped_tx, (unsigned long long)s.muted,
                 (unsigned long long)s.replies, (unsigned long long)s.framing_errors);
}

} // namespace

extern "C" int ab_fpga_sim_main(const ab_fpga_sim_opts *o)
{
    std::unique_ptr<ab_fpga_sim::Board> board(ab_fpga_sim::make_icebreaker_board());
    if (!board)
        return fail("this anybit was built without the board's Verilog (fpga/rtl/icebreaker_top.v, "
                    "fpga/flow/sources.txt were missing when CMake configured)");
    ab_fpga_sim::BridgeOptions bo;
    bo.drop_rx = o->drop_rx;
    bo.flip_rx = o->flip_rx;
    bo.drop_tx = o->drop_tx;
    bo.flip_tx = o->flip_tx;
    bo.mute_after = o->mute_after;
    bo.baud_error_permille = o->baud_error_permille;
    bo.plant_fault = o->plant_fault;
    ab_fpga_sim::PtyBridge bridge(*board, bo);
    std::string err;
    if (bridge.open(&err) != 0)
        return fail(err);
    std::printf("port %s\n", bridge.slave_path().c_str());
    std::fflush(stdout);
    if (!o->cmd) {
        const int rc = bridge.run(-1, &err);
        if (rc != 0)
            return fail(err);
        return 0;
    }
    std::vector<std::string> args;
    for (char **a = o->cmd; *a; a++) {
        std::string s = *a;
        for (size_t p; (p = s.find("{port}")) != std::string::npos;)
            s.replace(p, 6, bridge.slave_path());
        args.push_back(s);
    }
    std::vector<char *> argv;
    for (std::string &s : args)
        argv.push_back(&s[0]);
    argv.push_back(nullptr);
    const pid_t pid = fork();
    if (pid < 0)
        return fail(std::string("fork: ") + std::strerror(errno));
    if (pid == 0) {
        execvp(argv[0], argv.data());
        std::fprintf(stderr, "anybit fpga sim: cannot run '%s': %s\n", argv[0],
                     std::strerror(errno));
        _exit(127);
    }
    // readable when the child exits (Linux 5.3): the bridge's stop fd
    const int pidfd = int(syscall(SYS_pidfd_open, pid, 0));
    if (pidfd < 0) {
        kill(pid, SIGKILL);
        waitpid(pid, nullptr, 0);
        return fail(std::string("pidfd_open: ") + std::strerror(errno));
    }
    const int rc = bridge.run(pidfd, &err);
    close(pidfd);
    int status = 0;
    if (rc != 0)
        kill(pid, SIGKILL);
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    if (o->stats)
        print_stats(bridge.stats());
    if (rc != 0)
        return fail(err);
    if (WIFEXITED(status))
        return WEXITSTATUS(status);
    return WIFSIGNALED(status) ? 128 + WTERMSIG(status) : 2;
}
