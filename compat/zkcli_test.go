package compat

import (
	"strings"
	"testing"
	"time"
)

// TestZkCliAgainstZkdFromZooCfg starts zkd from a ZooKeeper zoo.cfg and
// drives it with zkCli.sh (the Java client) for create/get/set/ls/stat/
// delete, ephemeral and sequential creates, ACLs with digest auth.
func TestZkCliAgainstZkdFromZooCfg(t *testing.T) {
	zkcli := requireTool(t, "zookeeper", "zkCli.sh", "/usr/share/zookeeper/bin/zkCli.sh")
	p := startZkd(t, "")
	cli := func(args ...string) string {
		t.Helper()
		return run(t, 60*time.Second, "", zkcli, append([]string{"-server", p.Addr}, args...)...)
	}
	mustContain(t, "create", cli("create", "/zkcli", "hello"), "Created /zkcli")
	mustContain(t, "get", cli("get", "/zkcli"), "hello")
	cli("set", "/zkcli", "world")
	mustContain(t, "get after set", cli("get", "/zkcli"), "world")
	mustContain(t, "ls", cli("ls", "/"), "[zkcli, zookeeper]")
	mustContain(t, "stat", cli("stat", "/zkcli"), "dataVersion = 1", "dataLength = 5", "numChildren = 0")
	mustContain(t, "create seq", cli("create", "-s", "/zkcli/q-", "x"), "Created /zkcli/q-0000000000")
	mustContain(t, "create seq 2", cli("create", "-s", "/zkcli/q-", "y"), "Created /zkcli/q-0000000001")
	mustContain(t, "ls children", cli("ls", "/zkcli"), "q-0000000000", "q-0000000001")
	out := cli("delete", "/zkcli")
	mustContain(t, "delete non-empty", out, "Node not empty")
	cli("deleteall", "/zkcli")
	out = cli("ls", "/")
	mustContain(t, "ls after deleteall", out, "[zookeeper]")
	if strings.Contains(out, "zkcli") {
		t.Fatalf("zkcli still listed after deleteall:\n%s", out)
	}
	mustContain(t, "get missing", cli("get", "/nothere"), "Node does not exist: /nothere")
	// ACL: a node only user1 may read.
	mustContain(t, "create with acl", cli("create", "/secret", "s3", "digest:user1:GMJqCvSAmNfv41XqBotWHO0HsNc=:r"), "Created /secret")
	mustContain(t, "getAcl denied", cli("getAcl", "/secret"), "Insufficient permission : /secret")
	mustContain(t, "create masked", cli("create", "/masked", "x", "world:anyone:r,digest:user1:GMJqCvSAmNfv41XqBotWHO0HsNc=:a"), "Created /masked")
	mustContain(t, "getAcl masked", cli("getAcl", "/masked"), "'world,'anyone\n: r\n'digest,'user1:x\n: a")
	mustContain(t, "get denied", cli("get", "/secret"), "Insufficient permission : /secret")
}
