package dev.perceval.cluster.node;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import org.junit.jupiter.api.Test;

/** A node restarted right after a crash finds its port free; one still listened on is refused. */
class PortCheckTest {
  @Test
  void aPortLeftInTimeWaitIsFreeAndAListenedPortIsNot() throws Exception {
    InetAddress loopback = InetAddress.getLoopbackAddress();
    int port;
    try (ServerSocket server = new ServerSocket(0, 50, loopback)) {
      port = server.getLocalPort();
      try (Socket client = new Socket(loopback, port); Socket accepted = server.accept()) {
        // The listening side closes first, as a killed node's kernel does: its end waits in TIME_WAIT.
        accepted.close();
        assertTrue(client.getInputStream().read() < 0);
      }
    }
    NodeConfig.requireFree("remoting", "127.0.0.1", port);
    try (ServerSocket busy = new ServerSocket(port, 50, loopback)) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
          () -> NodeConfig.requireFree("remoting", "127.0.0.1", port));
      assertTrue(e.getMessage().contains("is not available"), e.getMessage());
    }
  }
}
