// Package compat holds zkd's compatibility tests against third-party
// ZooKeeper clients: the Java client through zkCli.sh (Debian package
// zookeeper), the C client cli_mt (zookeeper-bin) and kazoo
// (python3-kazoo). Each test starts a real zkd process from a zoo.cfg
// written the way Apache ZooKeeper's is, drives the client, and checks what
// the client printed. A test whose client is not installed skips and names
// the package; with ZKD_REQUIRE_EXTERNAL=1 (set by .ci/run) it fails instead.
package compat
