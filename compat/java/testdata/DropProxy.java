import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;

/**
 * A TCP forwarder on 127.0.0.1 in front of the server under test. A client
 * connected through it can be cut off (pause: every live connection is
 * closed and new ones are closed as soon as they are accepted) and let back
 * in (resume), which makes the ZooKeeper client reconnect and reattach its
 * session the way a network blip would.
 */
final class DropProxy implements AutoCloseable {
    private final ServerSocket listener;
    private final String targetHost;
    private final int targetPort;
    private final List<Socket> live = new ArrayList<>();
    private boolean paused;
    private boolean closed;

    DropProxy(String target) throws IOException {
        int colon = target.lastIndexOf(':');
        targetHost = target.substring(0, colon);
        targetPort = Integer.parseInt(target.substring(colon + 1));
        listener = new ServerSocket();
        listener.bind(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0));
        Thread t = new Thread(this::acceptLoop, "drop-proxy-accept");
        t.setDaemon(true);
        t.start();
    }

    /** The address clients connect to. */
    String address() {
        return "127.0.0.1:" + listener.getLocalPort();
    }

    /** Closes every forwarded connection and refuses new ones until resume. */
    synchronized void pause() {
        paused = true;
        for (Socket s : live) {
            closeQuietly(s);
        }
        live.clear();
    }

    synchronized void resume() {
        paused = false;
    }

    @Override
    public synchronized void close() {
        closed = true;
        pause();
        try {
            listener.close();
        } catch (IOException e) {
            // closing anyway
        }
    }

    private void acceptLoop() {
        while (true) {
            Socket client;
            try {
                client = listener.accept();
            } catch (IOException e) {
                return; // listener closed
            }
            synchronized (this) {
                if (closed || paused) {
                    closeQuietly(client);
                    continue;
                }
            }
            Socket server;
            try {
                server = new Socket(targetHost, targetPort);
            } catch (IOException e) {
                closeQuietly(client);
                continue;
            }
            synchronized (this) {
                if (closed || paused) {
                    closeQuietly(client);
                    closeQuietly(server);
                    continue;
                }
                live.add(client);
                live.add(server);
            }
            pump(client, server);
            pump(server, client);
        }
    }

    private static void pump(Socket from, Socket to) {
        Thread t = new Thread(() -> {
            byte[] buf = new byte[8192];
            try {
                InputStream in = from.getInputStream();
                OutputStream out = to.getOutputStream();
                for (int n = in.read(buf); n >= 0; n = in.read(buf)) {
                    out.write(buf, 0, n);
                    out.flush();
                }
            } catch (IOException e) {
                // either side went away
            }
            closeQuietly(from);
            closeQuietly(to);
        }, "drop-proxy-pump");
        t.setDaemon(true);
        t.start();
    }

    private static void closeQuietly(Socket s) {
        try {
            s.close();
        } catch (IOException e) {
            // nothing to do
        }
    }
}
