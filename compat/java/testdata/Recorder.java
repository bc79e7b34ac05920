import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.OpResult;
import org.apache.zookeeper.Watcher;
import org.apache.zookeeper.ZooKeeper;
import org.apache.zookeeper.data.ACL;
import org.apache.zookeeper.data.Stat;

/**
 * Turns what the client sees into lines that do not depend on which server
 * answered: zxids become labels in order of first appearance (z1, z2, ...),
 * session ids become the names the probe gave them, times are only checked
 * for plausibility, and lists whose order ZooKeeper does not define are
 * sorted. Watch events are collected from every watcher and printed, sorted,
 * after the step that caused them.
 */
final class Recorder {
    /** One probe step; its return value is the normalised result. */
    interface Step {
        String run() throws Exception;
    }

    private final PrintStream out;
    private final Map<Long, String> zxids = new HashMap<>();
    private final Map<Long, String> sessions = new HashMap<>();
    private final ConcurrentLinkedQueue<String> events = new ConcurrentLinkedQueue<>();
    private final List<ZooKeeper> clients = new ArrayList<>();
    private final long startMillis = System.currentTimeMillis();

    Recorder(PrintStream out) {
        this.out = out;
    }

    /** A watcher that records every event under name. */
    Watcher watcher(String name) {
        return e -> events.add(name + " " + e.getType() + " " + e.getState() + " " + e.getPath());
    }

    /** Registers a client for barriers and names its session. */
    void client(ZooKeeper zk, String name) {
        clients.add(zk);
        sessions.putIfAbsent(zk.getSessionId(), name);
    }

    void forget(ZooKeeper zk) {
        clients.remove(zk);
    }

    /** Starts zxid labels afresh (at each section). */
    void resetLabels() {
        zxids.clear();
    }

    String session(long id) {
        String s = sessions.get(id);
        return s != null ? s : "session?";
    }

    String zxid(long z) {
        if (z <= 0) {
            return Long.toString(z);
        }
        String l = zxids.get(z);
        if (l == null) {
            l = "z" + (zxids.size() + 1);
            zxids.put(z, l);
        }
        return l;
    }

    String owner(long eo) {
        if (eo == 0) {
            return "0";
        }
        String s = sessions.get(eo);
        return s != null ? s : String.format("0x%016x", eo);
    }

    String stat(Stat s) {
        if (s == null) {
            return "null";
        }
        long now = System.currentTimeMillis();
        boolean timesOK = s.getCtime() >= startMillis - 3_600_000L && s.getCtime() <= now + 3_600_000L
                && s.getMtime() >= s.getCtime() && s.getMtime() <= now + 3_600_000L;
        return "{cz=" + zxid(s.getCzxid()) + " mz=" + zxid(s.getMzxid()) + " pz=" + zxid(s.getPzxid())
                + " v=" + s.getVersion() + " cv=" + s.getCversion() + " av=" + s.getAversion()
                + " eo=" + owner(s.getEphemeralOwner()) + " dl=" + s.getDataLength()
                + " nc=" + s.getNumChildren() + (timesOK ? "" : " times=implausible") + "}";
    }

    static String data(byte[] b) {
        return b == null ? "null" : "'" + new String(b, StandardCharsets.UTF_8) + "'";
    }

    static String sorted(List<String> l) {
        if (l == null) {
            return "null";
        }
        List<String> c = new ArrayList<>(l);
        Collections.sort(c);
        return c.toString();
    }

    static String acls(List<ACL> l) {
        List<String> s = new ArrayList<>();
        for (ACL a : l) {
            s.add(a.getId().getScheme() + ":" + a.getId().getId() + ":" + a.getPerms());
        }
        return s.toString();
    }

    String results(List<OpResult> rs) {
        if (rs == null) {
            return "null";
        }
        List<String> s = new ArrayList<>();
        for (OpResult r : rs) {
            s.add(result(r));
        }
        return s.toString();
    }

    private String result(OpResult r) {
        if (r instanceof OpResult.ErrorResult) {
            return "error " + KeeperException.Code.get(((OpResult.ErrorResult) r).getErr());
        }
        if (r instanceof OpResult.CreateResult) {
            OpResult.CreateResult c = (OpResult.CreateResult) r;
            return "create " + c.getPath() + " " + stat(c.getStat());
        }
        if (r instanceof OpResult.SetDataResult) {
            return "setData " + stat(((OpResult.SetDataResult) r).getStat());
        }
        if (r instanceof OpResult.DeleteResult) {
            return "delete";
        }
        if (r instanceof OpResult.CheckResult) {
            return "check";
        }
        if (r instanceof OpResult.GetDataResult) {
            OpResult.GetDataResult g = (OpResult.GetDataResult) r;
            return "getData " + data(g.getData()) + " " + stat(g.getStat());
        }
        if (r instanceof OpResult.GetChildrenResult) {
            return "getChildren " + sorted(((OpResult.GetChildrenResult) r).getChildren());
        }
        return r.getClass().getSimpleName() + " type " + r.getType();
    }

    /** Runs one step, prints its outcome and the events it caused. */
    void step(String name, Step body) {
        long t0 = System.nanoTime();
        String line;
        try {
            line = "OK " + body.run();
        } catch (KeeperException e) {
            line = "ERR " + e.code() + (e.getResults() != null ? " " + results(e.getResults()) : "");
        } catch (IllegalArgumentException e) {
            line = "CLIENT-REJECT " + e.getClass().getSimpleName();
        } catch (Exception e) {
            line = "EXCEPTION " + e.getClass().getSimpleName();
        }
        out.println(name + " -> " + line);
        barrier();
        flushEvents();
        if (TIMING) {
            System.err.println("timing " + (System.nanoTime() - t0) / 1_000_000 + " ms " + name);
        }
    }

    /** ZKD_PROBE_TIMING set: print each step's and connect's duration to stderr. */
    static final boolean TIMING = System.getenv("ZKD_PROBE_TIMING") != null;

    /**
     * Waits until every connected client's event thread has delivered what
     * its server sent before this point: an async exists is answered after
     * any notification queued ahead of it, and its callback runs on the
     * same event thread after those watchers. Clients that are not
     * connected are left out: nothing reaches them until they reconnect,
     * and the steps that cut them off call flush themselves.
     */
    void barrier() {
        List<ZooKeeper> live = new ArrayList<>();
        for (ZooKeeper zk : clients) {
            if (zk.getState().isConnected()) {
                live.add(zk);
            }
        }
        await(live);
    }

    /**
     * Waits until zk's event thread has delivered every event queued so
     * far, whatever its state: a client that is cutoff answers the async
     * call with ConnectionLoss on its next failed attempt, a closed one at
     * once, in both cases through the event thread, after earlier events.
     */
    void flush(ZooKeeper zk) {
        await(Collections.singletonList(zk));
    }

    private void await(List<ZooKeeper> zks) {
        CountDownLatch done = new CountDownLatch(zks.size());
        for (ZooKeeper zk : zks) {
            zk.exists("/", false, (rc, path, ctx, stat) -> done.countDown(), null);
        }
        try {
            if (!done.await(20, TimeUnit.SECONDS)) {
                out.println("  barrier timed out");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    void flushEvents() {
        List<String> got = new ArrayList<>();
        for (String e = events.poll(); e != null; e = events.poll()) {
            got.add(e);
        }
        Collections.sort(got);
        for (String e : got) {
            out.println("  event " + e);
        }
    }

    /** Prints a line that is not a step (a note on the run's shape). */
    void note(String line) {
        out.println(line);
    }
}
