package server

import (
	"strings"

	"github.com/zkd-io/zkd/fsm"
	"github.com/zkd-io/zkd/proto"
)

// onAuth handles an auth packet (xid -4): digest and ip schemes, plus the
// super identity when a digest matches the configured super digest. An
// unknown scheme gets AuthFailed and the connection closes (PROTOCOL.md §2.7).
func (s *Server) onAuth(c *conn, r *request) {
	var pkt proto.AuthPacket
	if err := decode(r.body, &pkt); err != nil {
		s.reply(c, r.xid, 0, proto.ErrAuthFailed, nil)
		s.closeConn(c)
		return
	}
	switch pkt.Scheme {
	case "digest":
		id := fsm.DigestID(string(pkt.Auth))
		if s.cfg.SuperDigest != "" && id == s.cfg.SuperDigest {
			c.addAuth(proto.Id{Scheme: "super", ID: ""})
		}
		c.addAuth(proto.Id{Scheme: "digest", ID: id})
	case "ip":
		c.addAuth(proto.Id{Scheme: "ip", ID: c.ip})
	default:
		s.log.Info("auth with unknown scheme; closing", "remote", c.remote, "scheme", pkt.Scheme)
		s.reply(c, r.xid, 0, proto.ErrAuthFailed, nil)
		s.closeConn(c)
		return
	}
	s.reply(c, r.xid, 0, proto.OK, nil)
}

func (c *conn) addAuth(id proto.Id) {
	for _, have := range c.auth {
		if have == id {
			return
		}
	}
	// In place: the slice is only read synchronously (entries copy it
	// when they are marshalled), so nothing else holds it.
	c.auth = append(c.auth, id)
}

// whoAmI lists the connection's identities as ZooKeeper's whoAmI does.
func (s *Server) whoAmI(c *conn) *proto.WhoAmIResponse {
	out := &proto.WhoAmIResponse{ClientInfo: make([]proto.ClientInfo, 0, len(c.auth))}
	for _, id := range c.auth {
		user := id.ID
		switch id.Scheme {
		case "digest":
			if i := strings.IndexByte(user, ':'); i >= 0 {
				user = user[:i]
			}
		case "ip", "sasl", "x509":
		default:
			user = ""
		}
		out.ClientInfo = append(out.ClientInfo, proto.ClientInfo{AuthScheme: id.Scheme, User: user})
	}
	return out
}
