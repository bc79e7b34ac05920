package java

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/zkd-io/zkd/compat/diff"
)

// zkEnv is Debian's environment script for the ZooKeeper command line
// tools; it sets CLASSPATH the way zkCli.sh uses it.
const zkEnv = "/usr/share/zookeeper/bin/zkEnv.sh"

// zookeeperJar is the client library of libzookeeper-java; its manifest's
// Class-Path names the jute, netty and slf4j jars it needs.
const zookeeperJar = "/usr/share/java/zookeeper.jar"

// optionalJars are added when present: the jute records (also reached
// through the manifest) and slf4j's no-op binding, which keeps the
// client's logging off the probe's output.
var optionalJars = []string{"/usr/share/java/zookeeper-jute.jar", "/usr/share/java/slf4j-nop.jar"}

// missing skips the test, or fails it under ZKD_REQUIRE_EXTERNAL=1.
func missing(t *testing.T, what, pkg string) {
	t.Helper()
	msg := fmt.Sprintf("%s not found; install the Debian package %s (apt-get install %s)", what, pkg, pkg)
	if os.Getenv("ZKD_REQUIRE_EXTERNAL") == "1" {
		t.Fatal(msg)
	}
	t.Skip(msg)
}

// requireTool returns the path of a program or skips naming its package.
func requireTool(t *testing.T, pkg, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		missing(t, name, pkg)
	}
	return p
}

// requireZooKeeper returns Debian's zkServer.sh or skips.
func requireZooKeeper(t *testing.T) string {
	t.Helper()
	script := diff.ZooKeeperScript()
	if script == "" {
		missing(t, "zkServer.sh", "zookeeper")
	}
	return script
}

// javaClasspath is the classpath zkCli.sh runs with (zkEnv.sh's CLASSPATH,
// or the client jar alone when the zookeeper package is not installed),
// plus the optional jars.
func javaClasspath(t *testing.T) string {
	t.Helper()
	if _, err := os.Stat(zookeeperJar); err != nil {
		missing(t, zookeeperJar, "libzookeeper-java")
	}
	cp := []string{zookeeperJar}
	if _, err := os.Stat(zkEnv); err == nil {
		out, err := exec.Command("bash", "-c", `. "$1" >/dev/null 2>&1; printf %s "$CLASSPATH"`, "zkenv", zkEnv).Output()
		if err == nil && strings.Contains(string(out), "zookeeper") {
			cp = strings.Split(string(out), ":")
		}
	}
	for _, j := range optionalJars {
		if _, err := os.Stat(j); err == nil {
			cp = append(cp, j)
		}
	}
	return strings.Join(cp, ":")
}

// probe is the compiled Java program.
type probe struct {
	java      string
	classpath string // classes directory first
}

// probeSources are the files of testdata/ that make up the program.
var probeSources = []string{"ZkdProbe.java", "Recorder.java", "Reconnects.java", "DropProxy.java"}

// compileProbe compiles the probe into a directory of the test's own.
func compileProbe(t *testing.T) *probe {
	t.Helper()
	javac := requireTool(t, "openjdk-17-jdk-headless", "javac")
	java := requireTool(t, "openjdk-17-jre-headless", "java")
	cp := javaClasspath(t)
	classes := t.TempDir()
	args := []string{"-nowarn", "-Xlint:-path", "-encoding", "UTF-8", "-d", classes, "-cp", cp}
	for _, s := range probeSources {
		args = append(args, filepath.Join("testdata", s))
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	out, err := exec.CommandContext(ctx, javac, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("javac: %v\n%s", err, out)
	}
	return &probe{java: java, classpath: classes + ":" + cp}
}

// run executes the probe against addr and returns its standard output. A
// non-zero exit or a run past the deadline is an error carrying both
// streams. It is safe to call from several goroutines.
func (p *probe) run(addr string, args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	argv := append([]string{"-cp", p.classpath,
		"-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xmx256m",
		"-Dzookeeper.sasl.client=false", "ZkdProbe", addr}, args...)
	cmd := exec.CommandContext(ctx, p.java, argv...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	cmd.WaitDelay = 5 * time.Second
	err := cmd.Run()
	if ctx.Err() != nil {
		err = fmt.Errorf("timed out: %w", ctx.Err())
	}
	if err != nil {
		return stdout.String(), fmt.Errorf("probe against %s: %w\nstdout:\n%s\nstderr:\n%s", addr, err, stdout.String(), stderr.String())
	}
	return stdout.String(), nil
}
