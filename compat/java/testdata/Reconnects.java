import java.util.List;

import org.apache.zookeeper.AddWatchMode;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.ZooDefs.Ids;
import org.apache.zookeeper.ZooKeeper;
import org.apache.zookeeper.data.ACL;

/**
 * The probe's sections about connections: a dropped connection and the
 * watches restored on reconnect, a session reattached from a second client
 * object, and a reattach with a wrong password. Each works under its own
 * root with its own clients, so it can run alone.
 */
final class Reconnects {
    static final List<ACL> OPEN = Ids.OPEN_ACL_UNSAFE;

    private final ZkdProbe probe;
    private final Recorder rec;
    private final String addr;

    Reconnects(ZkdProbe probe, Recorder rec, String addr) {
        this.probe = probe;
        this.rec = rec;
        this.addr = addr;
    }

    /**
     * Cuts a session's connection, changes what it watches meanwhile and
     * lets it reconnect: once with one-shot watches only (setWatches), once
     * with a persistent watch too (setWatches2).
     */
    void reconnect(ZooKeeper c1) throws Exception {
        rec.step("create /rc", () -> c1.create("/rc", ZkdProbe.b("r"), OPEN, CreateMode.PERSISTENT));
        try (DropProxy p = new DropProxy(addr)) {
            ZooKeeper c5 = probe.connect("c5", p.address(), ZkdProbe.TIMEOUT, 0, null);
            rec.step("c5 create ephemeral", () -> c5.create("/rc/e5", ZkdProbe.b("e"), OPEN, CreateMode.EPHEMERAL));
            rec.step("c5 create /rc/w5", () -> c5.create("/rc/w5", ZkdProbe.b("w"), OPEN, CreateMode.PERSISTENT));
            rec.step("c5 getData watch", () -> Recorder.data(c5.getData("/rc/w5", rec.watcher("w5d"), null)));
            rec.step("c5 exists watch missing", () -> rec.stat(c5.exists("/rc/w5x", rec.watcher("w5e"))));
            rec.step("c5 getChildren watch", () -> Recorder.sorted(c5.getChildren("/rc/w5", rec.watcher("w5c"))));
            rec.step("drop c5 connection", () -> drop(p, c5));
            rec.step("c1 setData /rc/w5 while c5 away", () -> rec.stat(c1.setData("/rc/w5", ZkdProbe.b("w1"), -1)));
            rec.step("c1 create /rc/w5x while c5 away", () -> c1.create("/rc/w5x", ZkdProbe.b("x"), OPEN,
                    CreateMode.PERSISTENT));
            rec.step("c5 reconnects with setWatches", () -> resume(p, c5));
            rec.step("c5 ephemeral survived", () -> rec.stat(c5.exists("/rc/e5", false)));
            rec.step("c5 addWatch persistent", () -> {
                c5.addWatch("/rc/w5", rec.watcher("w5p"), AddWatchMode.PERSISTENT);
                return "added";
            });
            rec.step("c5 getData watch again", () -> Recorder.data(c5.getData("/rc/w5", rec.watcher("w5d"), null)));
            rec.step("drop c5 connection again", () -> drop(p, c5));
            rec.step("c1 setData /rc/w5 while c5 away again", () -> rec.stat(c1.setData("/rc/w5", ZkdProbe.b("w2"),
                    -1)));
            rec.step("c1 create /rc/w5/k while c5 away", () -> c1.create("/rc/w5/k", ZkdProbe.b("k"), OPEN,
                    CreateMode.PERSISTENT));
            rec.step("c5 reconnects with setWatches2", () -> resume(p, c5));
            rec.step("c1 setData /rc/w5 after reconnect", () -> rec.stat(c1.setData("/rc/w5", ZkdProbe.b("w3"), -1)));
            rec.step("close c5", () -> probe.closeAndFlush(c5));
            rec.forget(c5);
            rec.step("c5 ephemeral gone", () -> rec.stat(c1.exists("/rc/e5", false)));
        }
    }

    /**
     * Reattaches a session whose connection is down from a second client
     * object (session id and password), closes the session there, and lets
     * the first client find it expired.
     */
    void reattach(ZooKeeper c1) throws Exception {
        rec.step("create /ra", () -> c1.create("/ra", ZkdProbe.b("r"), OPEN, CreateMode.PERSISTENT));
        try (DropProxy p = new DropProxy(addr)) {
            ZooKeeper c9 = probe.connect("c9", p.address(), ZkdProbe.TIMEOUT, 0, null);
            rec.step("c9 create ephemeral", () -> c9.create("/ra/e9", ZkdProbe.b("e"), OPEN, CreateMode.EPHEMERAL));
            rec.step("drop c9 connection", () -> drop(p, c9));
            ZooKeeper c10 = probe.connect("c10", addr, ZkdProbe.TIMEOUT, c9.getSessionId(), c9.getSessionPasswd());
            rec.step("c10 reattached c9 session", () -> rec.session(c10.getSessionId()) + " timeout "
                    + c10.getSessionTimeout());
            rec.step("c10 sees c9 ephemeral", () -> rec.stat(c10.exists("/ra/e9", false)));
            rec.step("c10 create ephemeral", () -> {
                c10.create("/ra/e10", ZkdProbe.b("e"), OPEN, CreateMode.EPHEMERAL);
                return rec.stat(c10.exists("/ra/e10", false));
            });
            rec.step("c10 getEphemerals", () -> Recorder.sorted(c10.getEphemerals("/ra")));
            rec.step("c10 close ends the session", () -> probe.closeAndFlush(c10));
            rec.forget(c10);
            rec.step("c9 ephemerals gone", () -> rec.stat(c1.exists("/ra/e9", false)) + " "
                    + rec.stat(c1.exists("/ra/e10", false)));
            rec.step("c9 reconnects to an expired session", () -> {
                p.resume();
                probe.awaitState(c9, ZooKeeper.States.CLOSED);
                rec.flush(c9);
                return c9.getState().toString();
            });
            rec.step("c9 request", () -> rec.stat(c9.exists("/ra", false)));
            probe.closeAndFlush(c9);
            rec.forget(c9);
        }
    }

    /**
     * Tries a session's id with a wrong password from another client
     * object while the session is connected, then checks the session.
     */
    void wrongPassword(ZooKeeper c1) throws Exception {
        rec.step("create /wp", () -> c1.create("/wp", ZkdProbe.b("w"), OPEN, CreateMode.PERSISTENT));
        ZooKeeper c12 = probe.connect("c12", addr, ZkdProbe.TIMEOUT, 0, null);
        rec.step("c12 create ephemeral", () -> c12.create("/wp/e12", ZkdProbe.b("e"), OPEN, CreateMode.EPHEMERAL));
        byte[] wrong = c12.getSessionPasswd().clone();
        wrong[0] ^= 0x55;
        ZooKeeper c13 = probe.connect("c13", addr, ZkdProbe.TIMEOUT, c12.getSessionId(), wrong);
        rec.step("c13 wrong password", () -> {
            // Let c12 notice if the server cut it off, then reconnect.
            Thread.sleep(300);
            probe.awaitState(c12, ZooKeeper.States.CONNECTED);
            return c13.getState().toString();
        });
        rec.step("c13 request", () -> rec.stat(c13.exists("/wp", false)));
        rec.step("c12 session intact", () -> rec.stat(c12.exists("/wp/e12", false)));
        probe.closeAndFlush(c13);
        rec.forget(c13);
        rec.step("close c12", () -> probe.closeAndFlush(c12));
        rec.forget(c12);
    }

    private String drop(DropProxy p, ZooKeeper zk) throws InterruptedException {
        p.pause();
        probe.awaitState(zk, ZooKeeper.States.CONNECTING);
        rec.flush(zk);
        return zk.getState().toString();
    }

    private String resume(DropProxy p, ZooKeeper zk) throws InterruptedException {
        p.resume();
        probe.awaitState(zk, ZooKeeper.States.CONNECTED);
        return zk.getState().toString();
    }
}
