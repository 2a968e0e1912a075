package io.murmur.transport;

import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.net.InetSocketAddress;

import static org.assertj.core.api.Assertions.assertThat;

class PeerAddressesTest {
    @Test
    void parsesHostPortWithoutResolving() {
        InetSocketAddress a = PeerAddresses.parse("10.0.0.7:7001");
        assertThat(a.isUnresolved()).isTrue();
        assertThat(a.getHostString()).isEqualTo("10.0.0.7");
        assertThat(a.getPort()).isEqualTo(7001);
        assertThat(PeerAddresses.parse("node-3.example:65535").getHostString()).isEqualTo("node-3.example");
        InetSocketAddress v6 = PeerAddresses.parse("[::1]:7001");
        assertThat(v6.getHostString()).isEqualTo("::1");
        assertThat(v6.getPort()).isEqualTo(7001);
    }

    @Test
    void refusesWhatIsNotHostPort() {
        for (String bad : new String[] {"", "host", "host:", ":7001", "host:0", "host:65536", "host:-1",
                "host:7o01", "host:123456", "::1:7001", "[::1]7001", "[::1]:", "[::1", "a:b:c",
                "two words:7001", "line\nbreak:7001", "caf\u00e9:7001"}) {
            assertThat(PeerAddresses.parse(bad)).as("'%s'", bad).isNull();
        }
    }

    @Test
    void formatsAddressesAsHostPort() throws Exception {
        assertThat(PeerAddresses.format(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 5000)))
                .isEqualTo("127.0.0.1:5000");
        assertThat(PeerAddresses.format(new InetSocketAddress(InetAddress.getByName("::1"), 5000)))
                .isEqualTo("[0:0:0:0:0:0:0:1]:5000");
    }
}
