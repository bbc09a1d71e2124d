package dev.otto.problem.servlet;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import org.apache.catalina.connector.ClientAbortException;
import org.junit.jupiter.api.Test;

class ClientDisconnectTest {

  @Test
  void recognisesTomcatsClientAbortAlsoAsACause() {
    assertThat(ClientDisconnect.isCause(new ClientAbortException())).isTrue();
    assertThat(ClientDisconnect.isCause(new IllegalStateException(new ClientAbortException())))
        .isTrue();
  }

  @Test
  void downstreamConnectionFailuresAreNotMistakenForClientDisconnects() {
    assertThat(ClientDisconnect.isCause(new IOException("Connection reset by peer"))).isFalse();
    assertThat(ClientDisconnect.isCause(new IOException("Broken pipe"))).isFalse();
  }
}
