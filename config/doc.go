// Package config turns an unmodified Apache ZooKeeper zoo.cfg (plus the
// myid file and the Java system properties of SERVER_JVMFLAGS/JVMFLAGS)
// into zkd's Config, and checks it with messages that name the file, the
// key and the problem.
//
// # Sequence
//
//	cfg, err := config.Load("conf/zoo.cfg")   // or config.Default()
//	err = config.FromEnv(&cfg, os.Getenv)      // SERVER_JVMFLAGS, then JVMFLAGS
//	err = cfg.Validate()                       // every problem, errors.Join'ed
//	for _, w := range cfg.Warnings { log.Warn(w) }
//
// Parse and Load report syntax errors and what ZooKeeper rejects while
// parsing (a malformed number names the key, file and line: "config
// zoo.cfg:7: tickTime: \"2s\" is not an integer"). Validate reports the
// rest ("config zoo.cfg: clientPort 70000 out of range").
//
// # File syntax
//
// zoo.cfg is a java.util.Properties file: # and ! comments, key=value,
// key: value or key value, backslash continuation lines, \uXXXX and other
// backslash escapes; keys and values are trimmed. A repeated key keeps its
// last value (with a warning). Bytes are read as UTF-8 where Java reads
// ISO-8859-1.
//
// # Honoured zoo.cfg keys
//
// Honoured here means parsed, validated and placed in Config. Some fields
// (admin, the ensemble keys) have no effect on the
// server yet; the README says which settings it acts on today.
//
// dataDir (required), dataLogDir (default dataDir), clientPort,
// clientPortAddress, tickTime (ms), initLimit, syncLimit, maxClientCnxns,
// minSessionTimeout and maxSessionTimeout (ms; default 2 and 20 ticks),
// autopurge.snapRetainCount (raised to 3 when lower, as ZooKeeper does),
// autopurge.purgeInterval (hours, or with a 3.10 suffix ms/s/m/h/d; 0 = off),
// standaloneEnabled, reconfigEnabled, peerType, dynamicConfigFile and
// server.N. electionAlg is accepted only as 3, as in ZooKeeper.
//
// server.N is host:quorumPort:electionPort[:participant|:observer]
// [;[clientAddress:]clientPort], IPv6 hosts in brackets. When this server's
// line has a client part it sets the client address (and must agree with
// clientPort/clientPortAddress if those are given too); its role overrides
// peerType. A dynamicConfigFile holds only server.N (and group/weight)
// lines; server.N lines next to dynamicConfigFile are an error, as in
// ZooKeeper. myid is read from dataDir when servers are configured. The
// version in a dynamic file's name (zoo.cfg.dynamic.<hex>) is not kept, and
// zkd never rewrites config files (ZooKeeper's .bak and .dynamic.next).
//
// # System properties
//
// As in ZooKeeper, any other zoo.cfg key k is the system property
// zookeeper.k, and -Dname=value in SERVER_JVMFLAGS/JVMFLAGS sets name. These
// properties are honoured, from either place:
//
//	zookeeper.4lw.commands.whitelist                    FourLetterWords, FourLetterAll
//	zookeeper.admin.enableServer / serverAddress /
//	  serverPort / commandURL                           Admin*
//	zookeeper.DigestAuthenticationProvider.superDigest  SuperDigest
//	zookeeper.extendedTypesEnabled                      ExtendedTypesEnabled
//	zookeeper.enforceQuota                              EnforceQuota
//	zookeeper.skipACL                                   SkipACL
//	zookeeper.snapCount (raised to 2 when lower)        SnapCount
//	zookeeper.snapSizeLimitInKb (<= 0: off; 4 GiB)      SnapSizeLimit (bytes)
//	zookeeper.fsync.warningthresholdms (1000)           FsyncWarning
//	zookeeper.maxCnxns                                  MaxCnxns
//	zookeeper.globalOutstandingLimit                    GlobalOutstandingLimit
//
// and these only as JVM flags, because without the zookeeper. prefix
// ZooKeeper cannot take them from zoo.cfg either (in zoo.cfg they warn):
//
//	jute.maxbuffer                           JuteMaxBuffer
//	readonlymode.enabled                     ReadOnlyMode
//	znode.container.checkIntervalMs          ContainerCheckInterval
//	znode.container.maxPerMinute             ContainerMaxPerMinute
//	znode.container.maxNeverUsedIntervalMs   ContainerMaxNeverUsed
//
// A property set in zoo.cfg beats the same -D flag, because ZooKeeper sets
// zoo.cfg's properties after the JVM has read its flags. Numeric properties
// accept Java's Integer.decode forms (0x10, #10, 010). Booleans everywhere
// accept true/false/yes/no in any case (ZooKeeper wants "yes" for skipACL
// and "true" elsewhere); anything else is an error rather than a silent
// false. JVM flags are split like shell words, with quotes; tokens that are
// not -D flags (-Xmx2g, -XX:...) are ignored silently.
//
// # Warnings, never errors
//
// Keys and properties that ZooKeeper knows and zkd does not implement are
// accepted with one warning each in Config.Warnings: secureClientPort and
// the rest of TLS (ssl.*, sslQuorum, portUnification), SASL and Kerberos
// (quorum.auth.*, java.security.auth.login.config), authProvider.*,
// metricsProvider.*, localSessionsEnabled, quorumListenOnAllIPs,
// observerMasterPort, group.N/weight.N (hierarchical quorums), multiple
// addresses per server, and ZooKeeper tuning knobs (preAllocSize,
// serverCnxnFactory, ...). A value that asks for nothing zkd lacks (usually
// ZooKeeper's default, e.g. syncEnabled=true) stays quiet. Unknown keys and
// -D properties warn as well, as do adjustments ZooKeeper makes silently
// and ensemble shapes ZooKeeper warns about (one or two participants, an
// even number).
//
// # Where zkd's defaults differ from ZooKeeper's, and why
//
//   - Without a config file (Default) zkd is a standalone server on
//     127.0.0.1:2181 with data in ./zkd-data, so that a bare "zkd" is
//     useful and exposes nothing. From a file, as in ZooKeeper, dataDir is
//     required and clientPortAddress (and admin.serverAddress) default to
//     all interfaces. Default also fills initLimit=10 and syncLimit=5 (the
//     values of zoo_sample.cfg); a file must set them for an ensemble.
//   - The four-letter-word whitelist defaults to ruok, srvr, stat, mntr,
//     conf, envi, cons, wchs, dirs and isro instead of ZooKeeper's srvr
//     only. ZooKeeper narrowed its default in 3.5.3 because some commands
//     can hurt a large server (wchc, wchp and dump walk every watch or
//     session) or change state (crst, srst, stmk). zkd keeps those off but
//     enables the cheap read-only ones that health checks (ruok) and
//     monitoring agents (mntr, stat) expect out of the box, which otherwise
//     every deployment has to whitelist by hand. srvr is always allowed, and
//     isro with readonlymode.enabled, as in ZooKeeper. stat, cons and envi
//     show client addresses and host details: narrow the list on untrusted
//     networks.
//   - The AdminServer is off unless admin.enableServer=true (ZooKeeper
//     3.5-3.9 turn it on; 3.10 turns it off), so that zkd never binds
//     port 8080 by surprise.
//   - Autopurge is on: every hour, keeping 3 snapshots (ZooKeeper's default
//     interval is 0, off), because a dataDir that nobody purges only grows
//     and most deployments forget the cron job; an explicit
//     autopurge.purgeInterval=0 still turns purging off.
//   - Server id 0 is rejected because raft reserves it; ZooKeeper accepts it.
//
// The package imports only the standard library and holds no global state.
package config
