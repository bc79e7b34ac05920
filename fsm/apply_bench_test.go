package fsm

import (
	"fmt"
	"testing"

	"github.com/zkd-io/zkd/jute"
	"github.com/zkd-io/zkd/proto"
)

// benchFSM is an FSM with one open session and nodes znodes of 100
// bytes under /bench, and the entries that made it applied in order.
type benchFSM struct {
	f     *FSM
	idx   uint64
	paths []string
}

func newBenchFSM(b *testing.B, nodes int) *benchFSM {
	b.Helper()
	bf := &benchFSM{f: New(Config{})}
	if r := bf.apply(&Entry{Type: EntryCreateSession, Session: sid, Time: 1000, Timeout: 30000, Password: make([]byte, 16)}); r.Err != proto.OK {
		b.Fatal(r.Err)
	}
	data := make([]byte, 100)
	bf.mustDo(b, proto.OpCreate, &proto.CreateRequest{Path: "/bench", ACL: proto.OpenACLUnsafe})
	for i := range nodes {
		p := fmt.Sprintf("/bench/n%07d", i)
		bf.mustDo(b, proto.OpCreate, &proto.CreateRequest{Path: p, Data: data, ACL: proto.OpenACLUnsafe})
		bf.paths = append(bf.paths, p)
	}
	return bf
}

func (bf *benchFSM) apply(e *Entry) Result {
	bf.idx++
	return bf.f.Apply(bf.idx, e)
}

// entry is a request entry of session sid.
func entry(op proto.OpCode, rec proto.Record) *Entry {
	var w jute.Writer
	rec.Encode(&w)
	return &Entry{Type: EntryRequest, Session: sid, Xid: 1, Op: op, Time: 1000, Body: w.Bytes()}
}

func (bf *benchFSM) mustDo(b *testing.B, op proto.OpCode, rec proto.Record) {
	if r := bf.apply(entry(op, rec)); r.Err != proto.OK {
		b.Fatalf("%s: %v", op, r.Err)
	}
}

// applyEach applies b.N entries, going round ents, each of which must
// succeed.
func (bf *benchFSM) applyEach(b *testing.B, ents []*Entry) {
	b.ResetTimer()
	for i := range b.N {
		if r := bf.apply(ents[i%len(ents)]); r.Err != proto.OK {
			b.Fatal(r.Err)
		}
	}
}

// The benchmarks below apply prepared entries, as the state loop does for
// the zkbench workloads of the same names, over 10,000 znodes.

func BenchmarkApplySet(b *testing.B) {
	bf := newBenchFSM(b, 10000)
	data := make([]byte, 100)
	ents := make([]*Entry, 4096)
	for i := range ents {
		ents[i] = entry(proto.OpSetData, &proto.SetDataRequest{Path: bf.paths[(i*7919)%len(bf.paths)], Data: data, Version: -1})
	}
	bf.applyEach(b, ents)
}

func BenchmarkApplyMulti(b *testing.B) {
	bf := newBenchFSM(b, 10000)
	data := make([]byte, 100)
	ents := make([]*Entry, 4096)
	for i := range ents {
		var ops []proto.MultiOp
		for k := range 3 {
			p := bf.paths[(i*7919+k*104729)%len(bf.paths)]
			ops = append(ops, proto.MultiOp{Type: proto.OpSetData, Req: &proto.SetDataRequest{Path: p, Data: data, Version: -1}})
		}
		ents[i] = entry(proto.OpMulti, &proto.MultiRequest{Ops: ops})
	}
	bf.applyEach(b, ents)
}

func BenchmarkApplyCreateDelete(b *testing.B) {
	bf := newBenchFSM(b, 10000)
	data := make([]byte, 100)
	const n = 4096
	creates, deletes := make([]*Entry, n), make([]*Entry, n)
	for i := range n {
		p := fmt.Sprintf("/bench/c%07d", i)
		creates[i] = entry(proto.OpCreate, &proto.CreateRequest{Path: p, Data: data, ACL: proto.OpenACLUnsafe})
		deletes[i] = entry(proto.OpDelete, &proto.DeleteRequest{Path: p, Version: -1})
	}
	b.ResetTimer()
	for i := range b.N {
		e := creates[i/2%n]
		if i%2 == 1 {
			e = deletes[i/2%n]
		}
		if r := bf.apply(e); r.Err != proto.OK {
			b.Fatal(r.Err)
		}
	}
}
