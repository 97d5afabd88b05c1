package main

import (
	"bytes"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// cpuMeter measures the CPU a load costs: the server process's (serverPID,
// 0: none), PostgreSQL's (the cluster in pgData, "": none), this process's,
// and the machine's busy time. inProcess counts this process as the server
// (the SQLite store's direct loop), with no load generator apart.
type cpuMeter struct {
	serverPID int
	pgData    string
	inProcess bool
}

// cpuSnap is the meter's counters at one moment; CPU in seconds.
type cpuSnap struct {
	at                     time.Time
	server, postgres, self float64
	pgChildren             int    // the postmaster's live children
	busy, total            uint64 // /proc/stat ticks, all cores
	cores                  int
}

func (m cpuMeter) snap() cpuSnap {
	s := cpuSnap{at: time.Now(), self: selfCPU()}
	s.busy, s.total, s.cores = machineTicks()
	if m.serverPID > 0 {
		_, s.server, _, _ = procStat(m.serverPID)
	}
	if m.pgData != "" {
		s.postgres, s.pgChildren = postgresCPU(m.pgData)
	}
	if m.inProcess {
		s.server = s.self
	}
	return s
}

// measure runs an HTTP (or in-process) transition load and adds its CPU:
// the load generator is this process.
func (m cpuMeter) measure(run func() Load) Load {
	start := m.snap()
	l := run()
	end := m.snap()
	loadgen := end.self - start.self
	if m.inProcess {
		loadgen = 0
	}
	l.CPU = m.cost(start, end, l.Requests, loadgen)
	return l
}

// settle waits, at most 3 s, until the postmaster has no more children
// than at start: the backends of clients that disconnected have exited and
// been reaped, so their CPU is in the postmaster's cutime+cstime.
func (m cpuMeter) settle(start cpuSnap) {
	for t0 := time.Now(); m.pgData != "" && time.Since(t0) < 3*time.Second; time.Sleep(20 * time.Millisecond) {
		if _, n := postgresCPU(m.pgData); n <= start.pgChildren {
			return
		}
	}
}

// cost is the CPU between two snapshots per transition of n, loadgen being
// the load generator's CPU seconds; nil when no transition completed.
func (m cpuMeter) cost(a, z cpuSnap, n int, loadgen float64) *CPU {
	if n <= 0 {
		return nil
	}
	per := func(sec float64) float64 { return math.Round(sec/float64(n)*1e7) / 10 }
	wall := z.at.Sub(a.at).Seconds()
	busyCores := 0.0
	if dt := z.total - a.total; dt > 0 {
		busyCores = float64(z.busy-a.busy) / float64(dt) * float64(z.cores)
	}
	c := &CPU{WallSec: math.Round(wall*1000) / 1000, Transitions: n, Cores: z.cores,
		MachineBusyCores: math.Round(busyCores*100) / 100,
		ServerUs:         per(z.server - a.server), PostgresUs: per(z.postgres - a.postgres),
		LoadgenUs: per(loadgen), MachineUs: per(busyCores * wall)}
	c.OtherUs = math.Round((c.MachineUs-c.ServerUs-c.PostgresUs-c.LoadgenUs)*10) / 10
	if own := c.ServerUs + c.PostgresUs; own > 0 {
		c.CeilingNoLoadgenPerSec = math.Round(float64(c.Cores) * 1e6 / own)
		c.CeilingPerSec = math.Round(float64(c.Cores) * 1e6 / (own + c.LoadgenUs))
	}
	return c
}

// clockTicks is the kernel's clock ticks per second (getconf CLK_TCK; 100,
// Linux's USER_HZ, when getconf is missing): the unit of /proc's CPU times.
var clockTicks = sync.OnceValue(func() float64 {
	out, err := exec.Command("getconf", "CLK_TCK").Output()
	if err == nil {
		if n, err := strconv.ParseFloat(strings.TrimSpace(string(out)), 64); err == nil && n > 0 {
			return n
		}
	}
	return 100
})

// procStat reads /proc/PID/stat: the parent's PID (as PPid of
// /proc/PID/status), the process's CPU (utime+stime) and that of its
// children it has waited for (cutime+cstime), in seconds.
func procStat(pid int) (ppid int, own, reaped float64, ok bool) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, 0, 0, false
	}
	i := bytes.LastIndexByte(b, ')') // the command, in parentheses, may hold spaces
	if i < 0 {
		return 0, 0, 0, false
	}
	f := strings.Fields(string(b[i+1:])) // f[0] is field 3 of proc(5), the state
	if len(f) < 15 {
		return 0, 0, 0, false
	}
	field := func(k int) float64 { v, _ := strconv.ParseFloat(f[k-3], 64); return v / clockTicks() }
	ppid, _ = strconv.Atoi(f[4-3])
	return ppid, field(14) + field(15), field(16) + field(17), true
}

// postgresCPU is the CPU seconds of the cluster in data: the postmaster's
// own and its reaped children's (exited backends), plus every live child's
// (backends, walwriter, checkpointer, …); and how many children live.
func postgresCPU(data string) (sec float64, children int) {
	b, err := os.ReadFile(filepath.Join(data, "postmaster.pid"))
	if err != nil {
		return 0, 0
	}
	pm, _ := strconv.Atoi(strings.TrimSpace(strings.SplitN(string(b), "\n", 2)[0]))
	_, own, reaped, ok := procStat(pm)
	if pm <= 0 || !ok {
		return 0, 0
	}
	sec = own + reaped
	dirs, _ := filepath.Glob("/proc/[0-9]*")
	for _, d := range dirs {
		pid, _ := strconv.Atoi(filepath.Base(d))
		if ppid, own, reaped, ok := procStat(pid); ok && ppid == pm {
			sec += own + reaped
			children++
		}
	}
	return sec, children
}

// selfCPU is this process's CPU seconds so far (user+system, getrusage).
func selfCPU() float64 {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()).Seconds()
}

// machineTicks reads /proc/stat: all cores' busy ticks (all but idle and
// iowait; steal counts as busy), total ticks (user … steal; guest time is
// already in user), and the number of cores.
func machineTicks() (busy, total uint64, cores int) {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0, 0, 0
	}
	var idle uint64
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Fields(line)
		switch {
		case len(f) > 8 && f[0] == "cpu":
			for i, v := range f[1:9] {
				n, _ := strconv.ParseUint(v, 10, 64)
				total += n
				if i == 3 || i == 4 {
					idle += n
				}
			}
		case len(f) > 0 && strings.HasPrefix(f[0], "cpu"):
			cores++
		}
	}
	return total - idle, total, cores
}
