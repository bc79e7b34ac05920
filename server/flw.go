package server

import (
	"fmt"
	"os"
	"runtime"
	"sort"
	"strings"
	"time"
)

// Version is the ZooKeeper version zkd reports to tools that parse it
// (kazoo's server_version, go-zookeeper's FLWSrvr); zkd implements 3.9's
// client protocol.
const Version = "3.9.3-zkd-0.1.0"

// builtOn uses the date layout go-zookeeper's FLWSrvr parser expects.
const builtOn = "11/25/2026 00:00 GMT"

var fourLetterWords = map[string]bool{
	"ruok": true, "srvr": true, "stat": true, "mntr": true, "conf": true,
	"envi": true, "cons": true, "wchs": true, "wchc": true, "wchp": true,
	"dirs": true, "isro": true, "crst": true, "srst": true, "dump": true,
	"gtmk": true, "stmk": true, "hash": true,
}

func isFourLetterWord(cmd string) bool { return fourLetterWords[cmd] }

// fourLetter answers a four-letter word on a fresh connection and closes it.
func (s *Server) fourLetter(c *conn, cmd string) {
	var out string
	if !s.cfg.FourLetterAllowed(cmd) {
		out = cmd + " is not executed because it is not in the whitelist.\n"
	} else {
		out = s.fourLetterText(cmd)
	}
	_ = c.nc.SetWriteDeadline(time.Now().Add(5 * time.Second))
	_, _ = c.nc.Write([]byte(out))
	if tc, ok := c.nc.(interface{ CloseWrite() error }); ok {
		_ = tc.CloseWrite()
	}
}

func (s *Server) fourLetterText(cmd string) string {
	var b strings.Builder
	switch cmd {
	case "ruok":
		return "imok"
	case "isro":
		if s.readOnly.Load() {
			return "ro"
		}
		return "rw"
	case "srvr":
		s.do(func() { s.writeSrvr(&b, false) })
	case "stat":
		s.do(func() { s.writeSrvr(&b, true) })
	case "mntr":
		s.do(func() { s.writeMntr(&b) })
	case "conf":
		s.writeConf(&b)
	case "envi":
		s.writeEnvi(&b)
	case "cons":
		s.do(func() { s.writeCons(&b) })
	case "wchs":
		s.do(func() {
			conns, paths, total := s.watches.Summary()
			fmt.Fprintf(&b, "%d connections watching %d paths\nTotal watches:%d\n", conns, paths, total)
		})
	case "wchc":
		s.do(func() { s.writeWchc(&b) })
	case "wchp":
		s.do(func() { s.writeWchp(&b) })
	case "dirs":
		var data, log int64
		if s.cfg.Info.DirSize != nil {
			data, log = s.cfg.Info.DirSize()
		}
		fmt.Fprintf(&b, "datadir_size: %d\nlogdir_size: %d\n", data, log)
	case "crst":
		s.do(func() {
			for _, c := range s.conns {
				c.minLat, c.maxLat, c.sumLat, c.cntLat = 0, 0, 0, 0
			}
		})
		return "Connection stats reset.\n"
	case "srst":
		s.stats.reset()
		s.received.Store(0)
		s.sent.Store(0)
		return "Server stats reset.\n"
	case "dump":
		s.do(func() { s.writeDump(&b) })
	case "gtmk":
		return "0\n"
	default:
		return cmd + " is not supported by zkd.\n"
	}
	return b.String()
}

func (s *Server) writeSrvr(b *strings.Builder, withClients bool) {
	fmt.Fprintf(b, "Zookeeper version: %s, built on %s\n", Version, builtOn)
	if withClients {
		b.WriteString("Clients:\n")
		s.writeCons(b)
		b.WriteString("\n")
	}
	min, avg, max := s.stats.snapshot()
	fmt.Fprintf(b, "Latency min/avg/max: %d/%s/%d\n", min, javaDouble(avg), max)
	fmt.Fprintf(b, "Received: %d\n", s.received.Load())
	fmt.Fprintf(b, "Sent: %d\n", s.sent.Load())
	fmt.Fprintf(b, "Connections: %d\n", len(s.conns))
	fmt.Fprintf(b, "Outstanding: %d\n", s.outstanding())
	fmt.Fprintf(b, "Zxid: 0x%x\n", s.fsm.LastZxid())
	fmt.Fprintf(b, "Mode: %s\n", s.mode())
	// ZooKeeper counts the root twice (as "/" and ""): 5 on a fresh server.
	fmt.Fprintf(b, "Node count: %d\n", s.fsm.Tree().NodeCount()+1)
}

func (s *Server) outstanding() int {
	n := 0
	for _, c := range s.conns {
		n += len(c.queue) + len(c.inflight)
		if c.syncing != nil {
			n++
		}
	}
	return n
}

func (s *Server) sortedConns() []*conn {
	out := make([]*conn, 0, len(s.conns))
	for _, c := range s.conns {
		out = append(out, c)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].id < out[j].id })
	return out
}

func (s *Server) writeCons(b *strings.Builder) {
	for _, c := range s.sortedConns() {
		fmt.Fprintf(b, " /%s[1](queued=%d,recved=%d,sent=%d,sid=0x%x,lop=%s,est=%d,to=%d,",
			c.remote, len(c.queue)+len(c.inflight), c.recv.Load(), c.sent.Load(), uint64(c.session),
			nonEmpty(c.lastOp, "NA"), c.est.UnixMilli(), c.timeout)
		var avg int64
		if c.cntLat > 0 {
			avg = (c.sumLat / time.Duration(c.cntLat)).Milliseconds()
		}
		fmt.Fprintf(b, "lcxid=0x%x,lzxid=0x%x,lresp=%d,llat=%d,minlat=%d,avglat=%d,maxlat=%d)\n",
			uint32(c.lastXid), uint64(c.lastZxid), time.Now().UnixMilli(), c.lastLatency.Milliseconds(),
			c.minLat.Milliseconds(), avg, c.maxLat.Milliseconds())
	}
}

func nonEmpty(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

func (s *Server) writeMntr(b *strings.Builder) {
	min, avg, max := s.stats.snapshot()
	conns, paths, total := s.watches.Summary()
	_ = conns
	_ = paths
	t := s.fsm.Tree()
	kv := [][2]string{
		{"zk_version", Version + ", built on " + builtOn},
		{"zk_server_state", s.mode()},
		{"zk_avg_latency", javaDouble(avg)},
		{"zk_max_latency", fmt.Sprint(max)},
		{"zk_min_latency", fmt.Sprint(min)},
		{"zk_packets_received", fmt.Sprint(s.received.Load())},
		{"zk_packets_sent", fmt.Sprint(s.sent.Load())},
		{"zk_num_alive_connections", fmt.Sprint(len(s.conns))},
		{"zk_outstanding_requests", fmt.Sprint(s.outstanding())},
		{"zk_uptime", fmt.Sprint(time.Since(s.started).Milliseconds())},
		{"zk_znode_count", fmt.Sprint(t.NodeCount() + 1)},
		{"zk_watch_count", fmt.Sprint(total)},
		{"zk_ephemerals_count", fmt.Sprint(t.EphemeralCount())},
		{"zk_approximate_data_size", fmt.Sprint(t.ApproximateDataSize())},
		{"zk_global_sessions", fmt.Sprint(s.fsm.Sessions().Len())},
		{"zk_local_sessions", "0"},
		{"zk_open_file_descriptor_count", fmt.Sprint(openFDs())},
		{"zk_max_file_descriptor_count", fmt.Sprint(maxFDs())},
		{"zk_last_zxid", fmt.Sprintf("0x%x", s.fsm.LastZxid())},
		{"zk_quota_soft_exceeded_count", fmt.Sprint(s.softQuota.Load())},
	}
	for _, p := range kv {
		fmt.Fprintf(b, "%s\t%s\n", p[0], p[1])
	}
}

func (s *Server) writeConf(b *strings.Builder) {
	i := s.cfg.Info
	fmt.Fprintf(b, "clientPort=%d\n", i.ClientPort)
	fmt.Fprintf(b, "dataDir=%s\n", i.DataDir)
	var data, log int64
	if i.DirSize != nil {
		data, log = i.DirSize()
	}
	fmt.Fprintf(b, "dataDirSize=%d\n", data)
	fmt.Fprintf(b, "dataLogDir=%s\n", nonEmpty(i.DataLogDir, i.DataDir))
	fmt.Fprintf(b, "dataLogSize=%d\n", log)
	fmt.Fprintf(b, "tickTime=%d\n", s.cfg.TickTime.Milliseconds())
	fmt.Fprintf(b, "maxClientCnxns=%d\n", s.cfg.MaxClientCnxns)
	fmt.Fprintf(b, "minSessionTimeout=%d\n", s.cfg.MinSessionTimeout.Milliseconds())
	fmt.Fprintf(b, "maxSessionTimeout=%d\n", s.cfg.MaxSessionTimeout.Milliseconds())
	fmt.Fprintf(b, "clientPortListenBacklog=-1\n")
	fmt.Fprintf(b, "serverId=%d\n", s.cfg.ServerID)
}

func (s *Server) writeEnvi(b *strings.Builder) {
	host, _ := os.Hostname()
	wd, _ := os.Getwd()
	home, _ := os.UserHomeDir()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	user := os.Getenv("USER")
	b.WriteString("Environment:\n")
	for _, kv := range [][2]string{
		{"zookeeper.version", Version + ", built on " + builtOn},
		{"host.name", host},
		{"java.version", runtime.Version()},
		{"java.vendor", "zkd (Go)"},
		{"java.home", ""},
		{"java.class.path", ""},
		{"java.library.path", ""},
		{"java.io.tmpdir", os.TempDir()},
		{"java.compiler", "<NA>"},
		{"os.name", runtime.GOOS},
		{"os.arch", runtime.GOARCH},
		{"os.version", ""},
		{"user.name", user},
		{"user.home", home},
		{"user.dir", wd},
		{"os.memory.free", fmt.Sprintf("%dMB", (ms.HeapIdle)>>20)},
		{"os.memory.max", fmt.Sprintf("%dMB", ms.Sys>>20)},
		{"os.memory.total", fmt.Sprintf("%dMB", ms.HeapSys>>20)},
	} {
		fmt.Fprintf(b, "%s=%s\n", kv[0], kv[1])
	}
}

func (s *Server) writeWchc(b *strings.Builder) {
	byConn := s.watches.ByConn()
	for _, c := range s.sortedConns() {
		paths := byConn[c.id]
		if len(paths) == 0 {
			continue
		}
		fmt.Fprintf(b, "0x%x\n", uint64(c.session))
		for _, p := range paths {
			fmt.Fprintf(b, "\t%s\n", p)
		}
	}
}

func (s *Server) writeWchp(b *strings.Builder) {
	byPath := s.watches.ByPath()
	paths := make([]string, 0, len(byPath))
	for p := range byPath {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	for _, p := range paths {
		fmt.Fprintf(b, "%s\n", p)
		for _, id := range byPath[p] {
			if c := s.conns[id]; c != nil {
				fmt.Fprintf(b, "\t0x%x\n", uint64(c.session))
			}
		}
	}
}

func (s *Server) writeDump(b *strings.Builder) {
	b.WriteString("SessionTracker dump:\n")
	fmt.Fprintf(b, "Session Sets (%d):\n", s.fsm.Sessions().Len())
	for _, id := range s.fsm.Sessions().IDs() {
		fmt.Fprintf(b, "\t0x%x\n", uint64(id))
	}
	b.WriteString("ephemeral nodes dump:\n")
	t := s.fsm.Tree()
	ids := t.EphemeralSessions()
	fmt.Fprintf(b, "Sessions with Ephemerals (%d):\n", len(ids))
	for _, id := range ids {
		fmt.Fprintf(b, "0x%x:\n", uint64(id))
		for _, p := range t.Ephemerals(id) {
			fmt.Fprintf(b, "\t%s\n", p)
		}
	}
}

func openFDs() int {
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		return -1
	}
	return len(ents)
}
