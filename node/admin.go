package node

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// The AdminServer (admin.enableServer=true): ZooKeeper's HTTP command
// interface at admin.serverAddress:admin.serverPort under
// admin.commandURL, answering JSON with "command" and "error" fields as
// ZooKeeper's does. zkd implements the commands an operator of an
// ensemble needs first:
//
//	ruok                    {"command":"ruok","error":null}
//	leader                  is_leader, leader_id, leader_ip (ZooKeeper 3.7+)
//	transfer_leadership     zkd: the leader hands leadership to ?to=N (or
//	                        to its most up-to-date follower) and answers
//	                        the new leader's id
//
// Other command names answer 404 with an error naming the known ones.

// adminServer serves the commands until closed.
type adminServer struct {
	srv *http.Server
	ln  net.Listener
}

func startAdmin(n *Node, ln net.Listener, base string) *adminServer {
	mux := http.NewServeMux()
	base = strings.TrimSuffix(base, "/")
	mux.HandleFunc(base+"/", func(w http.ResponseWriter, r *http.Request) {
		n.adminCommand(w, r, strings.TrimPrefix(r.URL.Path, base+"/"))
	})
	a := &adminServer{srv: &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}, ln: ln}
	go func() { _ = a.srv.Serve(ln) }()
	return a
}

func (a *adminServer) close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	return a.srv.Shutdown(ctx)
}

// adminCommand answers one command.
func (n *Node) adminCommand(w http.ResponseWriter, r *http.Request, cmd string) {
	out := map[string]any{"command": cmd, "error": nil}
	status := http.StatusOK
	switch cmd {
	case "ruok":
	case "leader":
		lead := n.raft.Leader()
		out["is_leader"] = n.raft.IsLeader()
		out["leader_id"] = lead
		out["leader_ip"] = ""
		for _, s := range n.cfg.Servers {
			if s.ID == lead {
				out["leader_ip"] = s.Host
			}
		}
	case "transfer_leadership":
		var to uint64
		if v := r.URL.Query().Get("to"); v != "" {
			id, err := strconv.ParseUint(v, 10, 64)
			if err != nil {
				out["error"], status = fmt.Sprintf("to=%q is not a server id", v), http.StatusBadRequest
				break
			}
			to = id
		}
		if n.ens == nil || !n.raft.IsLeader() {
			out["error"], status = "this server is not the leader of an ensemble", http.StatusConflict
			break
		}
		ctx, cancel := context.WithTimeout(r.Context(), 10*n.electionTimeout)
		lead, err := n.raft.HandOver(ctx, to)
		cancel()
		if err != nil {
			out["error"], status = err.Error(), http.StatusServiceUnavailable
			break
		}
		n.log.Info("handed leadership over (admin command)", "to", lead)
		out["from"], out["to"] = n.id, lead
	default:
		out["error"], status = "unknown command; zkd implements ruok, leader, transfer_leadership", http.StatusNotFound
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(out)
}

// listenAdmin opens the AdminServer's listener when it is enabled.
func listenAdmin(enabled bool, addr string, port int, ln net.Listener) (net.Listener, error) {
	if ln != nil || !enabled {
		return ln, nil
	}
	l, err := net.Listen("tcp", net.JoinHostPort(addr, strconv.Itoa(port)))
	if err != nil {
		return nil, fmt.Errorf("listen on the admin port (admin.serverPort; admin.enableServer=false turns the AdminServer off): %w", err)
	}
	return l, nil
}
