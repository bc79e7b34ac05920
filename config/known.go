package config

import "strings"

// Notes for settings that ZooKeeper knows and zkd accepts without acting on
// them. A setting whose value asks for nothing zkd lacks (usually
// ZooKeeper's default) gets no note, so that a stock zoo.cfg stays quiet.

const (
	noteTLS      = "TLS is not implemented by zkd; ignored"
	noteSASL     = "SASL and Kerberos are not implemented by zkd; ignored"
	noteQuorum   = "zkd replicates with raft and has no use for it; ignored"
	noteTuning   = "a ZooKeeper tuning knob with no zkd equivalent; ignored"
	noteMetrics  = "zkd serves its own Prometheus metrics; ignored"
	noteLogging  = "zkd logs through its own flags; ignored"
	noteNotImpl  = "not implemented by zkd; ignored"
	noteAuthProv = "custom authentication providers are not supported by zkd (digest, ip, world and super are built in); ignored"
)

// quorumKeyNote explains a zoo.cfg key that ZooKeeper's QuorumPeerConfig
// reads itself and zkd does not act on. known is false for other keys; note
// is "" when value asks for nothing zkd lacks.
func quorumKeyNote(key, value string) (note string, known bool) {
	unless := func(inert, why string) (string, bool) {
		if strings.EqualFold(value, inert) {
			return "", true
		}
		return why, true
	}
	switch key {
	case "secureClientPort", "secureClientPortAddress":
		return noteTLS, true
	case "sslQuorum", "portUnification", "sslQuorumReloadCertFiles":
		return unless("false", noteTLS)
	case "quorum.auth.enableSasl", "quorum.auth.serverRequireSasl", "quorum.auth.learnerRequireSasl":
		return unless("false", noteSASL)
	case "quorum.auth.learner.saslLoginContext", "quorum.auth.server.saslLoginContext",
		"quorum.auth.kerberos.servicePrincipal":
		return noteSASL, true
	case "localSessionsEnabled", "localSessionsUpgradingEnabled":
		return unless("false", "local sessions are not implemented by zkd; every session is global; ignored")
	case "quorumListenOnAllIPs":
		return unless("false", noteNotImpl)
	case "syncEnabled":
		return unless("true", "observers always persist the log in zkd; ignored")
	case "observerMasterPort", "connectToLearnerMasterLimit", "quorum.cnxn.threads.size", "oraclePath":
		return noteQuorum, true
	case "multiAddress.enabled":
		return unless("false", "multiple addresses per server are not implemented by zkd; ignored")
	case "multiAddress.reachabilityCheckEnabled", "multiAddress.reachabilityCheckTimeoutMs":
		return noteNotImpl, true
	case "clientPortListenBacklog":
		return unless("-1", "zkd uses the operating system's accept backlog; ignored")
	case "jvm.pause.monitor":
		return unless("false", "zkd has no JVM to monitor; ignored")
	case "jvm.pause.info-threshold.ms", "jvm.pause.warn-threshold.ms", "jvm.pause.sleep.time.ms":
		return "zkd has no JVM to monitor; ignored", true
	case "metricsProvider.className":
		return unless("org.apache.zookeeper.metrics.impl.DefaultMetricsProvider", noteMetrics)
	}
	switch {
	case strings.HasPrefix(key, "metricsProvider."):
		return noteMetrics, true
	case strings.HasPrefix(key, "group."), strings.HasPrefix(key, "weight."):
		return "hierarchical quorums are not implemented by zkd, which counts a simple majority of participants; ignored", true
	}
	return "", false
}

// propertyNote explains a Java system property that ZooKeeper reads and zkd
// does not act on. known is false for other properties; note is "" when
// value asks for nothing zkd lacks.
func propertyNote(name, value string) (note string, known bool) {
	unless := func(inert, why string) (string, bool) {
		if strings.EqualFold(value, inert) {
			return "", true
		}
		return why, true
	}
	switch name {
	case "zookeeper.serverCnxnFactory":
		return unless("org.apache.zookeeper.server.NIOServerCnxnFactory", "zkd has its own network layer; ignored")
	case "zookeeper.client.secure":
		return unless("false", noteTLS)
	case "zookeeper.leaderServes":
		return unless("yes", "every zkd server serves clients; ignored")
	case "zookeeper.forceSync":
		return unless("yes", "zkd always fsyncs before acknowledging a write; ignored")
	case "zookeeper.digest.enabled":
		return unless("true", noteNotImpl)
	case "zookeeper.audit.enable":
		return unless("false", "audit logging is not implemented by zkd; ignored")
	case "zookeeper.enforce.auth.enabled", "zookeeper.sessionRequireClientSASLAuth":
		return unless("false", "enforcing client authentication is not implemented by zkd; ignored")
	case "zookeeper.datadir.autocreate":
		return unless("true", "zkd always creates dataDir; ignored")
	case "zookeeper.admin.idleTimeout", "zookeeper.admin.portUnification", "zookeeper.admin.forceHttps",
		"zookeeper.admin.needClientAuth", "zookeeper.admin.snapshot.enabled", "zookeeper.admin.restore.enabled",
		"zookeeper.admin.rateLimiterIntervalInMS", "zookeeper.admin.httpVersion":
		return "this AdminServer option is not implemented by zkd; ignored", true
	case "zookeeper.enforce.auth.schemes", "zookeeper.requireClientAuthScheme", "zookeeper.superUser",
		"zookeeper.X509AuthenticationProvider.superUser", "zookeeper.ensembleAuthName",
		"zookeeper.DigestAuthenticationProvider.digestAlg":
		return noteNotImpl, true
	case "java.security.auth.login.config", "zookeeper.authProvider.sasl", "jaasLoginRenew",
		"zookeeper.kerberos.removeHostFromPrincipal", "zookeeper.kerberos.removeRealmFromPrincipal":
		return noteSASL, true
	case "zookeeper.preAllocSize", "zookeeper.cnxTimeout",
		"zookeeper.maxResponseCacheSize", "zookeeper.maxGetChildrenResponseCacheSize", "zookeeper.flushDelay",
		"zookeeper.maxWriteQueuePollTime", "zookeeper.maxBatchSize", "zookeeper.largeRequestMaxBytes",
		"zookeeper.largeRequestThreshold", "zookeeper.closeSessionTxn.enabled", "zookeeper.txnLogSizeLimitInKb",
		"zookeeper.snapshot.trust.empty", "zookeeper.snapshot.compression.method", "zookeeper.watchManagerName",
		"zookeeper.electionPortBindRetry", "zookeeper.tcpKeepAlive", "zookeeper.clientTcpKeepAlive",
		"zookeeper.quorumCnxnTimeoutMs", "zookeeper.intBufferStartingSizeBytes",
		"zookeeper.request_stale_connection_check", "zookeeper.request_stale_latency_check":
		return noteTuning, true
	case "zookeeper.log.dir", "zookeeper.log.file", "zookeeper.root.logger", "zookeeper.log.threshold",
		"zookeeper.console.threshold", "zookeeper.tracelog.dir", "zookeeper.tracelog.file",
		"zookeeper.jmx.log4j.disable", "log4j.configuration", "logback.configurationFile":
		return noteLogging, true
	}
	switch {
	case strings.HasPrefix(name, "zookeeper.ssl."), strings.HasPrefix(name, "zookeeper.fips-mode"):
		return noteTLS, true
	case strings.HasPrefix(name, "zookeeper.sasl."), strings.HasPrefix(name, "sun.security.krb5."):
		return noteSASL, true
	case strings.HasPrefix(name, "zookeeper.authProvider."):
		return noteAuthProv, true
	case strings.HasPrefix(name, "zookeeper.multiAddress."):
		return "multiple addresses per server are not implemented by zkd; ignored", true
	case strings.HasPrefix(name, "zookeeper.commitProcessor."), strings.HasPrefix(name, "zookeeper.learner."),
		strings.HasPrefix(name, "zookeeper.nio."), strings.HasPrefix(name, "zookeeper.netty."),
		strings.HasPrefix(name, "zookeeper.connection_throttle_"), strings.HasPrefix(name, "zookeeper.request_throttle"),
		strings.HasPrefix(name, "zookeeper.messageTracker."):
		return noteTuning, true
	}
	return "", false
}

// isQuorumKey reports whether key is one that ZooKeeper reads only from
// zoo.cfg (never as a system property).
func isQuorumKey(key string) bool {
	switch key {
	case "dataDir", "dataLogDir", "clientPort", "clientPortAddress", "tickTime", "maxClientCnxns",
		"minSessionTimeout", "maxSessionTimeout", "initLimit", "syncLimit", "peerType",
		"dynamicConfigFile", "autopurge.snapRetainCount", "autopurge.purgeInterval",
		"standaloneEnabled", "reconfigEnabled", "electionAlg":
		return true
	}
	if strings.HasPrefix(key, "server.") {
		return true
	}
	_, known := quorumKeyNote(key, "")
	return known
}
