import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.apache.zookeeper.AddWatchMode;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.Op;
import org.apache.zookeeper.Watcher;
import org.apache.zookeeper.ZooDefs.Ids;
import org.apache.zookeeper.ZooDefs.Perms;
import org.apache.zookeeper.ZooKeeper;
import org.apache.zookeeper.admin.ZooKeeperAdmin;
import org.apache.zookeeper.data.ACL;
import org.apache.zookeeper.data.ClientInfo;
import org.apache.zookeeper.data.Id;
import org.apache.zookeeper.data.Stat;

/**
 * Drives one server through every operation of the ZooKeeper Java client and
 * prints one normalised line per step (see Recorder). Run it against Apache
 * ZooKeeper and against zkd: the outputs must be identical.
 *
 * Usage: java ZkdProbe host:port [only=section,...] [skip=section,...]
 */
public final class ZkdProbe {
    static final List<ACL> OPEN = Ids.OPEN_ACL_UNSAFE;
    static final int TIMEOUT = 30000;

    private final String addr;
    private final Recorder rec;

    private final Set<String> only = new HashSet<>();
    private final Set<String> skip = new HashSet<>();

    private ZkdProbe(String addr, PrintStream out) {
        this.addr = addr;
        this.rec = new Recorder(out);
    }

    public static void main(String[] args) throws Exception {
        if (args.length < 1) {
            System.err.println("usage: ZkdProbe host:port [only=section,...] [skip=section,...]");
            System.exit(2);
        }
        PrintStream out = new PrintStream(System.out, true, "UTF-8");
        ZkdProbe p = new ZkdProbe(args[0], out);
        for (int i = 1; i < args.length; i++) {
            if (args[i].startsWith("only=")) {
                p.only.addAll(Arrays.asList(args[i].substring(5).split(",")));
            } else if (args[i].startsWith("skip=")) {
                p.skip.addAll(Arrays.asList(args[i].substring(5).split(",")));
            } else {
                System.err.println("unknown argument " + args[i]);
                System.exit(2);
            }
        }
        p.run();
        out.println("done");
        System.exit(0);
    }

    static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** Connects, waits for SyncConnected (or a terminal state) and names the session. */
    ZooKeeper connect(String name, String to, int timeout, long sid, byte[] pw) throws Exception {
        CountDownLatch up = new CountDownLatch(1);
        Watcher events = rec.watcher(name);
        Watcher w = e -> {
            events.process(e);
            if (e.getType() == Watcher.Event.EventType.None) {
                up.countDown();
            }
        };
        long t0 = System.nanoTime();
        ZooKeeper zk = pw == null ? new ZooKeeper(to, timeout, w) : new ZooKeeper(to, timeout, w, sid, pw);
        if (!up.await(20, TimeUnit.SECONDS)) {
            rec.note("connect " + name + " -> timed out");
        }
        if (Recorder.TIMING) {
            System.err.println("timing " + (System.nanoTime() - t0) / 1_000_000 + " ms connect " + name + " (jvm up "
                    + java.lang.management.ManagementFactory.getRuntimeMXBean().getUptime() + " ms)");
        }
        rec.client(zk, name);
        return zk;
    }

    /** Closes zk and returns its state once its last events are delivered. */
    String closeAndFlush(ZooKeeper zk) throws InterruptedException {
        zk.close();
        rec.flush(zk);
        return zk.getState().toString();
    }

    void awaitState(ZooKeeper zk, ZooKeeper.States want) throws InterruptedException {
        for (int i = 0; i < 400 && zk.getState() != want; i++) {
            Thread.sleep(50);
        }
        if (zk.getState() != want) {
            rec.note("  state " + zk.getState() + ", want " + want);
        }
    }

    /** A group of steps; see run for which ones stand alone. */
    interface Section {
        void run() throws Exception;
    }

    /**
     * Runs a section unless the arguments leave it out. Each section starts
     * with a header line and fresh zxid labels, so that one section's output
     * does not depend on what an earlier one observed.
     */
    void section(String name, Section body) throws Exception {
        if (skip.contains(name) || (!only.isEmpty() && !only.contains(name))) {
            return;
        }
        rec.note("section " + name);
        rec.resetLabels();
        body.run();
    }

    /**
     * Sections basic, watches, multi, misc and sessions build on each other
     * under /p; reconnect, reattach and wrongpassword stand alone, each under
     * its own root, and may be run by themselves.
     */
    void run() throws Exception {
        ZooKeeper c1 = connect("c1", addr, TIMEOUT, 0, null);
        ZooKeeper c2 = connect("c2", addr, TIMEOUT, 0, null);
        section("connect", () -> {
            rec.step("connect c1 timeout", () -> Integer.toString(c1.getSessionTimeout()));
            rec.step("connect c2 distinct session", () -> Boolean.toString(c1.getSessionId() != c2.getSessionId()));
        });
        section("basic", () -> {
            creates(c1, c2);
            reads(c1);
            writes(c1);
            acls(c1, c2);
        });
        section("watches", () -> watches(c1, c2));
        section("multi", () -> multis(c1));
        section("misc", () -> misc(c1, c2));
        section("sessions", () -> sessions(c1));
        section("reconnect", () -> reconnect(c1));
        section("reattach", () -> reattach(c1));
        section("wrongpassword", () -> wrongPassword(c1));
        section("close", () -> {
            rec.step("close c2", () -> closeAndFlush(c2));
            rec.step("close c1", () -> closeAndFlush(c1));
        });
        rec.forget(c1);
        rec.forget(c2);
        c1.close();
        c2.close();
    }

    void creates(ZooKeeper c1, ZooKeeper c2) {
        rec.step("create /p persistent", () -> c1.create("/p", b("root"), OPEN, CreateMode.PERSISTENT));
        rec.step("create /p again", () -> c1.create("/p", b("x"), OPEN, CreateMode.PERSISTENT));
        rec.step("create under missing parent", () -> c1.create("/p/none/x", b("x"), OPEN, CreateMode.PERSISTENT));
        rec.step("create2 /p/c2 with stat", () -> {
            Stat s = new Stat();
            String p = c1.create("/p/c2", b("c2"), OPEN, CreateMode.PERSISTENT, s);
            return p + " " + rec.stat(s);
        });
        rec.step("create2 /p/c2 again", () -> c1.create("/p/c2", b("c2"), OPEN, CreateMode.PERSISTENT, new Stat()));
        rec.step("create /p/e ephemeral", () -> c1.create("/p/e", b("eph"), OPEN, CreateMode.EPHEMERAL));
        rec.step("exists /p/e owner", () -> rec.stat(c1.exists("/p/e", false)));
        rec.step("create child of ephemeral", () -> c1.create("/p/e/x", null, OPEN, CreateMode.PERSISTENT));
        rec.step("create persistent_sequential 1", () -> c1.create("/p/s-", b("1"), OPEN, CreateMode.PERSISTENT_SEQUENTIAL));
        rec.step("create persistent_sequential 2", () -> c1.create("/p/s-", b("2"), OPEN, CreateMode.PERSISTENT_SEQUENTIAL));
        rec.step("create ephemeral_sequential", () -> c1.create("/p/es-", b("3"), OPEN, CreateMode.EPHEMERAL_SEQUENTIAL));
        rec.step("create2 ephemeral_sequential c2", () -> {
            Stat s = new Stat();
            return c2.create("/p/es-", b("4"), OPEN, CreateMode.EPHEMERAL_SEQUENTIAL, s) + " " + rec.stat(s);
        });
        rec.step("create container", () -> c1.create("/p/ctr", b("c"), OPEN, CreateMode.CONTAINER));
        rec.step("create2 container with stat", () -> {
            Stat s = new Stat();
            return c1.create("/p/ctr2", b("c"), OPEN, CreateMode.CONTAINER, s) + " " + rec.stat(s);
        });
        rec.step("create child of container", () -> c1.create("/p/ctr/k", b("k"), OPEN, CreateMode.PERSISTENT));
        rec.step("create persistent_with_ttl", () -> {
            Stat s = new Stat();
            return c1.create("/p/ttl", b("t"), OPEN, CreateMode.PERSISTENT_WITH_TTL, s, 60000) + " " + rec.stat(s);
        });
        rec.step("create persistent_sequential_with_ttl", () -> {
            Stat s = new Stat();
            return c1.create("/p/ttls-", b("t"), OPEN, CreateMode.PERSISTENT_SEQUENTIAL_WITH_TTL, s, 60000) + " "
                    + rec.stat(s);
        });
        rec.step("create ttl node again", () -> c1.create("/p/ttl", b("t"), OPEN, CreateMode.PERSISTENT_WITH_TTL,
                new Stat(), 60000));
        rec.step("create ttl without ttl", () -> c1.create("/p/ttl0", b("t"), OPEN, CreateMode.PERSISTENT_WITH_TTL));
        rec.step("create null data", () -> c1.create("/p/null", null, OPEN, CreateMode.PERSISTENT));
        rec.step("create empty data", () -> c1.create("/p/empty", new byte[0], OPEN, CreateMode.PERSISTENT));
        rec.step("create under /zookeeper", () -> c1.create("/zookeeper/probe", b("z"), OPEN, CreateMode.PERSISTENT));
        rec.step("create with empty acl", () -> c1.create("/p/noacl", b("x"), new ArrayList<>(), CreateMode.PERSISTENT));
        rec.step("create with creator acl unauthenticated", () -> c1.create("/p/creator", b("x"),
                Ids.CREATOR_ALL_ACL, CreateMode.PERSISTENT));
    }

    void reads(ZooKeeper c1) {
        rec.step("exists /p", () -> rec.stat(c1.exists("/p", false)));
        rec.step("exists missing", () -> rec.stat(c1.exists("/p/missing", false)));
        rec.step("getData /p", () -> {
            Stat s = new Stat();
            return Recorder.data(c1.getData("/p", false, s)) + " " + rec.stat(s);
        });
        rec.step("getData null data", () -> Recorder.data(c1.getData("/p/null", false, null)));
        rec.step("getData empty data", () -> Recorder.data(c1.getData("/p/empty", false, null)));
        rec.step("getData missing", () -> Recorder.data(c1.getData("/p/missing", false, null)));
        rec.step("getChildren /p", () -> Recorder.sorted(c1.getChildren("/p", false)));
        rec.step("getChildren /p with stat", () -> {
            Stat s = new Stat();
            return Recorder.sorted(c1.getChildren("/p", false, s)) + " " + rec.stat(s);
        });
        rec.step("getChildren missing", () -> Recorder.sorted(c1.getChildren("/p/missing", false)));
        rec.step("getChildren2 missing", () -> Recorder.sorted(c1.getChildren("/p/missing", false, new Stat())));
        rec.step("getChildren /", () -> Recorder.sorted(c1.getChildren("/", false)));
        rec.step("getChildren /zookeeper", () -> Recorder.sorted(c1.getChildren("/zookeeper", false)));
        rec.step("getAllChildrenNumber /p", () -> Integer.toString(c1.getAllChildrenNumber("/p")));
        rec.step("getAllChildrenNumber /", () -> Integer.toString(c1.getAllChildrenNumber("/")));
        rec.step("getAllChildrenNumber missing", () -> Integer.toString(c1.getAllChildrenNumber("/p/missing")));
        rec.step("getEphemerals", () -> Recorder.sorted(c1.getEphemerals()));
        rec.step("getEphemerals prefix /p/es", () -> Recorder.sorted(c1.getEphemerals("/p/es")));
        rec.step("getEphemerals prefix missing", () -> Recorder.sorted(c1.getEphemerals("/nothing")));
        rec.step("getConfig", () -> {
            Stat s = new Stat();
            return Recorder.data(c1.getConfig(false, s)) + " " + rec.stat(s);
        });
        rec.step("sync /p", () -> sync(c1, "/p"));
        rec.step("sync missing", () -> sync(c1, "/p/missing"));
    }

    String sync(ZooKeeper zk, String path) throws InterruptedException {
        CountDownLatch done = new CountDownLatch(1);
        String[] got = new String[1];
        zk.sync(path, (rc, p, ctx) -> {
            got[0] = org.apache.zookeeper.KeeperException.Code.get(rc) + " " + p;
            done.countDown();
        }, null);
        if (!done.await(20, TimeUnit.SECONDS)) {
            return "timed out";
        }
        return got[0];
    }

    void writes(ZooKeeper c1) {
        rec.step("setData /p v0", () -> rec.stat(c1.setData("/p", b("root1"), 0)));
        rec.step("setData /p stale v0", () -> rec.stat(c1.setData("/p", b("root2"), 0)));
        rec.step("setData /p any version", () -> rec.stat(c1.setData("/p", b("root2"), -1)));
        rec.step("setData null", () -> rec.stat(c1.setData("/p/empty", null, -1)));
        rec.step("getData after setData null", () -> Recorder.data(c1.getData("/p/empty", false, null)));
        rec.step("setData missing", () -> rec.stat(c1.setData("/p/missing", b("x"), -1)));
        rec.step("delete /p/c2 bad version", () -> {
            c1.delete("/p/c2", 5);
            return "deleted";
        });
        rec.step("delete /p/c2 v0", () -> {
            c1.delete("/p/c2", 0);
            return "deleted";
        });
        rec.step("delete /p/c2 again", () -> {
            c1.delete("/p/c2", -1);
            return "deleted";
        });
        rec.step("delete non-empty /p", () -> {
            c1.delete("/p", -1);
            return "deleted";
        });
        rec.step("delete /zookeeper", () -> {
            c1.delete("/zookeeper", -1);
            return "deleted";
        });
        rec.step("stat /p after child delete", () -> rec.stat(c1.exists("/p", false)));
    }

    void acls(ZooKeeper c1, ZooKeeper c2) {
        rec.step("getACL /p", () -> {
            Stat s = new Stat();
            return Recorder.acls(c1.getACL("/p", s)) + " " + rec.stat(s);
        });
        rec.step("getACL missing", () -> Recorder.acls(c1.getACL("/p/missing", new Stat())));
        rec.step("create /p/acl", () -> c1.create("/p/acl", b("a"), OPEN, CreateMode.PERSISTENT));
        rec.step("setACL bad version", () -> rec.stat(c1.setACL("/p/acl", Ids.READ_ACL_UNSAFE, 3)));
        rec.step("setACL read-only v0", () -> rec.stat(c1.setACL("/p/acl", Ids.READ_ACL_UNSAFE, 0)));
        rec.step("setACL empty list", () -> rec.stat(c1.setACL("/p/acl", new ArrayList<>(), -1)));
        rec.step("setACL missing", () -> rec.stat(c1.setACL("/p/missing", OPEN, -1)));
        rec.step("setData on read-only acl", () -> rec.stat(c1.setData("/p/acl", b("b"), -1)));
        rec.step("create child on read-only acl", () -> c1.create("/p/acl/k", b("k"), OPEN, CreateMode.PERSISTENT));
        rec.step("getACL read-only", () -> Recorder.acls(c1.getACL("/p/acl", new Stat())));
        rec.step("setACL on read-only acl", () -> rec.stat(c1.setACL("/p/acl", OPEN, -1)));
        rec.step("addAuthInfo digest c1", () -> {
            c1.addAuthInfo("digest", b("user1:pw1"));
            return "sent";
        });
        rec.step("create creator acl", () -> c1.create("/p/secret", b("s"), Ids.CREATOR_ALL_ACL, CreateMode.PERSISTENT));
        rec.step("getACL creator acl", () -> Recorder.acls(c1.getACL("/p/secret", new Stat())));
        rec.step("getData secret as owner", () -> Recorder.data(c1.getData("/p/secret", false, null)));
        rec.step("getData secret unauthenticated", () -> Recorder.data(c2.getData("/p/secret", false, null)));
        rec.step("getChildren secret unauthenticated", () -> Recorder.sorted(c2.getChildren("/p/secret", false)));
        rec.step("setData secret unauthenticated", () -> rec.stat(c2.setData("/p/secret", b("x"), -1)));
        rec.step("getACL secret unauthenticated", () -> Recorder.acls(c2.getACL("/p/secret", new Stat())));
        rec.step("delete child of secret unauthenticated", () -> {
            c2.delete("/p/secret/none", -1);
            return "deleted";
        });
        List<ACL> ipOnly = Collections.singletonList(new ACL(Perms.ALL, new Id("ip", "127.0.0.1")));
        rec.step("create ip acl", () -> c1.create("/p/ip", b("i"), ipOnly, CreateMode.PERSISTENT));
        rec.step("getData ip acl from c2", () -> Recorder.data(c2.getData("/p/ip", false, null)));
        List<ACL> otherNet = Collections.singletonList(new ACL(Perms.ALL, new Id("ip", "10.0.0.0/8")));
        rec.step("create other-net acl", () -> c1.create("/p/ip10", b("i"), otherNet, CreateMode.PERSISTENT));
        rec.step("getData other-net acl", () -> Recorder.data(c1.getData("/p/ip10", false, null)));
        List<ACL> digest = Arrays.asList(new ACL(Perms.READ, new Id("digest", "user2:ITnGCG3Cy3tlrqgxSMM2SFgRDRk=")),
                new ACL(Perms.ADMIN, Ids.ANYONE_ID_UNSAFE));
        rec.step("create digest acl", () -> c1.create("/p/dig", b("d"), digest, CreateMode.PERSISTENT));
        rec.step("getACL digest acl", () -> Recorder.acls(c2.getACL("/p/dig", new Stat())));
        rec.step("setACL bad scheme", () -> rec.stat(c1.setACL("/p/dig",
                Collections.singletonList(new ACL(Perms.ALL, new Id("nosuch", "x"))), -1)));
        rec.step("whoAmI c1", () -> whoAmI(c1));
        rec.step("whoAmI c2", () -> whoAmI(c2));
    }

    static String whoAmI(ZooKeeper zk) throws InterruptedException {
        List<String> s = new ArrayList<>();
        for (ClientInfo ci : zk.whoAmI()) {
            s.add(ci.getAuthScheme() + ":" + ci.getUser());
        }
        Collections.sort(s);
        return s.toString();
    }

    void watches(ZooKeeper c1, ZooKeeper c2) {
        Watcher wd = rec.watcher("wd");
        Watcher we = rec.watcher("we");
        Watcher wc = rec.watcher("wc");
        Watcher wx = rec.watcher("wx");
        Watcher wp = rec.watcher("wp");
        Watcher wr = rec.watcher("wr");
        rec.step("create /p/w", () -> c1.create("/p/w", b("w"), OPEN, CreateMode.PERSISTENT));
        rec.step("getData watch /p/w", () -> Recorder.data(c1.getData("/p/w", wd, null)));
        rec.step("c2 setData /p/w fires data watch", () -> rec.stat(c2.setData("/p/w", b("w1"), -1)));
        rec.step("c2 setData /p/w again no watch", () -> rec.stat(c2.setData("/p/w", b("w2"), -1)));
        rec.step("exists watch missing /p/wx", () -> rec.stat(c1.exists("/p/wx", we)));
        rec.step("c2 create /p/wx fires exists watch", () -> c2.create("/p/wx", b("x"), OPEN, CreateMode.PERSISTENT));
        rec.step("exists watch /p/wx", () -> rec.stat(c1.exists("/p/wx", wx)));
        rec.step("c2 delete /p/wx fires exists watch", () -> {
            c2.delete("/p/wx", -1);
            return "deleted";
        });
        rec.step("getChildren watch /p/w", () -> Recorder.sorted(c1.getChildren("/p/w", wc)));
        rec.step("c2 create /p/w/k fires child watch", () -> c2.create("/p/w/k", b("k"), OPEN, CreateMode.PERSISTENT));
        rec.step("getChildren2 watch /p/w", () -> Recorder.sorted(c1.getChildren("/p/w", wc, new Stat())));
        rec.step("getData watch /p/w/k", () -> Recorder.data(c1.getData("/p/w/k", wd, null)));
        rec.step("c2 delete /p/w/k fires child and data watch", () -> {
            c2.delete("/p/w/k", -1);
            return "deleted";
        });
        rec.step("getData watch /p/w again", () -> Recorder.data(c1.getData("/p/w", wd, null)));
        rec.step("exists watch /p/w", () -> rec.stat(c1.exists("/p/w", we)));
        rec.step("getChildren watch /p/w again", () -> Recorder.sorted(c1.getChildren("/p/w", wc)));
        rec.step("removeWatches data", () -> {
            c1.removeWatches("/p/w", wd, Watcher.WatcherType.Data, false);
            return "removed";
        });
        rec.step("removeWatches data again", () -> {
            c1.removeWatches("/p/w", wd, Watcher.WatcherType.Data, false);
            return "removed";
        });
        rec.step("removeWatches children", () -> {
            c1.removeWatches("/p/w", wc, Watcher.WatcherType.Children, false);
            return "removed";
        });
        rec.step("removeAllWatches any", () -> {
            c1.removeAllWatches("/p/w", Watcher.WatcherType.Any, false);
            return "removed";
        });
        rec.step("removeAllWatches none left", () -> {
            c1.removeAllWatches("/p/w", Watcher.WatcherType.Any, false);
            return "removed";
        });
        rec.step("c2 setData /p/w after removal", () -> rec.stat(c2.setData("/p/w", b("w3"), -1)));
        rec.step("addWatch persistent /p/pw", () -> {
            c1.addWatch("/p/pw", wp, AddWatchMode.PERSISTENT);
            return "added";
        });
        rec.step("c2 create /p/pw", () -> c2.create("/p/pw", b("p"), OPEN, CreateMode.PERSISTENT));
        rec.step("c2 setData /p/pw", () -> rec.stat(c2.setData("/p/pw", b("p1"), -1)));
        rec.step("c2 setData /p/pw twice", () -> rec.stat(c2.setData("/p/pw", b("p2"), -1)));
        rec.step("c2 create /p/pw/a", () -> c2.create("/p/pw/a", b("a"), OPEN, CreateMode.PERSISTENT));
        rec.step("c2 setData /p/pw/a not watched", () -> rec.stat(c2.setData("/p/pw/a", b("a1"), -1)));
        rec.step("c2 delete /p/pw/a", () -> {
            c2.delete("/p/pw/a", -1);
            return "deleted";
        });
        rec.step("c2 delete /p/pw", () -> {
            c2.delete("/p/pw", -1);
            return "deleted";
        });
        rec.step("c2 create /p/pw after delete", () -> c2.create("/p/pw", b("p"), OPEN, CreateMode.PERSISTENT));
        rec.step("addWatch recursive /p/rw", () -> {
            c1.addWatch("/p/rw", wr, AddWatchMode.PERSISTENT_RECURSIVE);
            return "added";
        });
        rec.step("c2 create /p/rw", () -> c2.create("/p/rw", b("r"), OPEN, CreateMode.PERSISTENT));
        rec.step("c2 create /p/rw/a", () -> c2.create("/p/rw/a", b("a"), OPEN, CreateMode.PERSISTENT));
        rec.step("c2 create /p/rw/a/b", () -> c2.create("/p/rw/a/b", b("b"), OPEN, CreateMode.PERSISTENT));
        rec.step("c2 setData /p/rw/a/b", () -> rec.stat(c2.setData("/p/rw/a/b", b("b1"), -1)));
        rec.step("c2 delete /p/rw/a/b", () -> {
            c2.delete("/p/rw/a/b", -1);
            return "deleted";
        });
        rec.step("c2 create /p/rwx sibling not watched", () -> c2.create("/p/rwx", b("x"), OPEN, CreateMode.PERSISTENT));
        rec.step("addWatch default watcher /p/dw", () -> {
            c1.addWatch("/p/dw", AddWatchMode.PERSISTENT);
            return "added";
        });
        rec.step("c2 create /p/dw", () -> c2.create("/p/dw", b("d"), OPEN, CreateMode.PERSISTENT));
        rec.step("removeWatches persistent by watcher", () -> {
            c1.removeWatches("/p/pw", wp, Watcher.WatcherType.Any, false);
            return "removed";
        });
        rec.step("removeAllWatches recursive", () -> {
            c1.removeAllWatches("/p/rw", Watcher.WatcherType.Any, false);
            return "removed";
        });
        rec.step("removeAllWatches missing path", () -> {
            c1.removeAllWatches("/p/nothing", Watcher.WatcherType.Any, false);
            return "removed";
        });
        rec.step("c2 setData after persistent removal", () -> rec.stat(c2.setData("/p/rw/a", b("a2"), -1)));
        rec.step("exists watch then c2 deletes", () -> {
            Stat s = c1.exists("/p/rwx", we);
            c2.delete("/p/rwx", -1);
            return rec.stat(s);
        });
    }

    void multis(ZooKeeper c1) {
        rec.step("multi create setData check delete", () -> rec.results(c1.multi(Arrays.asList(
                Op.create("/p/m1", b("m1"), OPEN, CreateMode.PERSISTENT),
                Op.create("/p/m2", b("m2"), OPEN, CreateMode.PERSISTENT),
                Op.setData("/p/m1", b("m1b"), 0),
                Op.check("/p/m1", 1),
                Op.delete("/p/m2", 0)))));
        rec.step("multi create modes", () -> rec.results(c1.multi(Arrays.asList(
                Op.create("/p/m-", b("s"), OPEN, CreateMode.PERSISTENT_SEQUENTIAL),
                Op.create("/p/me", b("e"), OPEN, CreateMode.EPHEMERAL),
                Op.create("/p/mc", b("c"), OPEN, CreateMode.CONTAINER),
                Op.create("/p/mt", b("t"), OPEN, CreateMode.PERSISTENT_WITH_TTL, 5000)))));
        rec.step("multi failing on missing node", () -> rec.results(c1.multi(Arrays.asList(
                Op.create("/p/m3", b("m3"), OPEN, CreateMode.PERSISTENT),
                Op.setData("/p/missing", b("x"), -1),
                Op.create("/p/m4", b("m4"), OPEN, CreateMode.PERSISTENT)))));
        rec.step("multi rolled back", () -> rec.stat(c1.exists("/p/m3", false)));
        rec.step("multi failing check", () -> rec.results(c1.multi(Arrays.asList(
                Op.check("/p/m1", 7),
                Op.delete("/p/m1", -1)))));
        rec.step("multi failing on node exists", () -> rec.results(c1.multi(Arrays.asList(
                Op.delete("/p/m1", -1),
                Op.create("/p/m1", b("x"), OPEN, CreateMode.PERSISTENT),
                Op.create("/p/m1", b("y"), OPEN, CreateMode.PERSISTENT)))));
        rec.step("multi empty", () -> rec.results(c1.multi(new ArrayList<>())));
        rec.step("transaction commit", () -> rec.results(c1.transaction()
                .create("/p/t1", b("t"), OPEN, CreateMode.PERSISTENT)
                .setData("/p/t1", b("t2"), -1)
                .check("/p/t1", 1)
                .commit()));
        rec.step("multiRead", () -> rec.results(c1.multi(Arrays.asList(
                Op.getData("/p/m1"),
                Op.getChildren("/p/w"),
                Op.getData("/p/null")))));
        rec.step("multiRead with missing nodes", () -> rec.results(c1.multi(Arrays.asList(
                Op.getData("/p/m1"),
                Op.getData("/p/missing"),
                Op.getChildren("/p/missing"),
                Op.getChildren("/p")))));
        rec.step("multiRead unreadable", () -> rec.results(c1.multi(Arrays.asList(Op.getData("/p/ip10")))));
        rec.step("multi no auth", () -> rec.results(c1.multi(Arrays.asList(
                Op.setData("/p/acl", b("x"), -1)))));
    }

    void misc(ZooKeeper c1, ZooKeeper c2) throws Exception {
        rec.step("reconfig", () -> {
            ZooKeeperAdmin admin = new ZooKeeperAdmin(addr, TIMEOUT, e -> { });
            try {
                return Recorder.data(admin.reconfigure((String) null, null, null, -1, new Stat()));
            } finally {
                admin.close();
            }
        });
        ZooKeeper bad = connect("c8", addr, TIMEOUT, 0, null);
        rec.step("addAuthInfo unknown scheme", () -> {
            bad.addAuthInfo("nosuchscheme", b("x"));
            awaitState(bad, ZooKeeper.States.AUTH_FAILED);
            rec.flush(bad);
            return bad.getState().toString();
        });
        rec.step("request after auth failure", () -> rec.stat(bad.exists("/p", false)));
        rec.step("close auth-failed client", () -> closeAndFlush(bad));
        rec.forget(bad);
    }

    void sessions(ZooKeeper c1) throws Exception {
        ZooKeeper tiny = connect("c3min", addr, 350, 0, null);
        rec.step("session timeout below minimum", () -> Integer.toString(tiny.getSessionTimeout()));
        closeAndFlush(tiny);
        rec.forget(tiny);
        ZooKeeper huge = connect("c4max", addr, 100_000_000, 0, null);
        rec.step("session timeout above maximum", () -> Integer.toString(huge.getSessionTimeout()));
        closeAndFlush(huge);
        rec.forget(huge);
        ZooKeeper c3 = connect("c3", addr, TIMEOUT, 0, null);
        rec.step("c3 create ephemeral", () -> c3.create("/p/e3", b("e"), OPEN, CreateMode.EPHEMERAL));
        rec.step("exists watch c3 ephemeral", () -> rec.stat(c1.exists("/p/e3", rec.watcher("w3"))));
        rec.step("getEphemerals c3", () -> Recorder.sorted(c3.getEphemerals("/")));
        rec.step("close c3 deletes its ephemeral", () -> closeAndFlush(c3));
        rec.forget(c3);
        rec.step("exists c3 ephemeral after close", () -> rec.stat(c1.exists("/p/e3", false)));
    }

    void reconnect(ZooKeeper c1) throws Exception {
        new Reconnects(this, rec, addr).reconnect(c1);
    }

    void reattach(ZooKeeper c1) throws Exception {
        new Reconnects(this, rec, addr).reattach(c1);
    }

    void wrongPassword(ZooKeeper c1) throws Exception {
        new Reconnects(this, rec, addr).wrongPassword(c1);
    }
}
