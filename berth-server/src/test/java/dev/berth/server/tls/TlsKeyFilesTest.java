package dev.berth.server.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.berth.server.config.ConfigException;
import dev.berth.server.config.TlsConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.Key;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.interfaces.ECPrivateKey;
import java.util.List;
import org.eclipse.jetty.util.ssl.SslContextFactory;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The operator's PEM files, read the way OpenSSL writes them, and every way they can be wrong
 * said in one line that names the option (and, for a key the server cannot use, how to convert it).
 */
class TlsKeyFilesTest {
    @TempDir
    static Path dir;

    static TestCertificates certs;
    static Path rsaKey;
    static Path rsaChain;
    static Path ecKey;
    static Path ecChain;

    @BeforeAll
    static void issue() throws Exception {
        certs = TestCertificates.newCa(dir);
        rsaKey = certs.key("rsa", "rsa");
        rsaChain = certs.chain("rsa", rsaKey, TestCertificates.LOCAL_NAMES);
        ecKey = certs.key("ec", "ec");
        ecChain = certs.chain("ec", ecKey, TestCertificates.LOCAL_NAMES);
    }

    @Test
    void pkcs1RsaAndSec1EcKeysReadAsTheirPkcs8Selves() throws Exception {
        certs.openssl("rsa", "-in", "rsa.key", "-traditional", "-out", "rsa.pkcs1.key");
        certs.openssl("ec", "-in", "ec.key", "-out", "ec.sec1.key");
        assertThat(Files.readString(dir.resolve("rsa.pkcs1.key"))).startsWith("-----BEGIN RSA PRIVATE KEY-----");
        assertThat(Files.readString(dir.resolve("ec.sec1.key"))).startsWith("-----BEGIN EC PRIVATE KEY-----");

        assertThat(PrivateKeys.read(dir.resolve("rsa.pkcs1.key")).getEncoded()).isEqualTo(PrivateKeys.read(rsaKey).getEncoded());
        // SEC 1 keeps the curve inside too, so the encodings differ; the key is the same
        ECPrivateKey sec1 = (ECPrivateKey) PrivateKeys.read(dir.resolve("ec.sec1.key"));
        ECPrivateKey pkcs8 = (ECPrivateKey) PrivateKeys.read(ecKey);
        assertThat(sec1.getS()).isEqualTo(pkcs8.getS());
        assertThat(sec1.getParams().toString()).isEqualTo(pkcs8.getParams().toString()).contains("secp256r1");
    }

    @Test
    void anEcKeyAfterItsParametersBlockIsFound() throws Exception {
        // `openssl ecparam -genkey` without -noout writes an EC PARAMETERS block first
        certs.openssl("ecparam", "-name", "prime256v1", "-genkey", "-out", "params-first.key");
        assertThat(Files.readString(dir.resolve("params-first.key"))).startsWith("-----BEGIN EC PARAMETERS-----");
        assertThat(PrivateKeys.read(dir.resolve("params-first.key")).getAlgorithm()).isEqualTo("EC");
    }

    @Test
    void aChainAndItsKeyMakeAKeyStoreOfferingOnlyTls13And12() throws Exception {
        certs.openssl("rsa", "-in", "rsa.key", "-traditional", "-out", "rsa.legacy.key");
        SslContextFactory.Server factory = ServerTls.load(new TlsConfig(rsaChain, dir.resolve("rsa.legacy.key"), false));
        factory.start();
        try {
            assertThat(factory.getSelectedProtocols()).containsExactlyInAnyOrder("TLSv1.3", "TLSv1.2");
            KeyStore store = factory.getKeyStore();
            String alias = store.aliases().nextElement();
            assertThat(store.getCertificateChain(alias)).hasSize(2); // the leaf and its CA, as given
            Key key = store.getKey(alias, factory.getKeyStorePassword().toCharArray());
            assertThat(key.getEncoded()).isEqualTo(PrivateKeys.read(rsaKey).getEncoded());
        } finally {
            factory.stop();
        }
    }

    @Test
    void aKeyThatIsNotTheCertificatesIsRefused() throws Exception {
        Path other = certs.key("other", "ec");
        for (TlsConfig wrong : List.of(new TlsConfig(ecChain, other, false), new TlsConfig(ecChain, rsaKey, false),
                new TlsConfig(rsaChain, ecKey, false))) {
            assertThatThrownBy(() -> ServerTls.load(wrong)).isInstanceOf(ConfigException.class)
                    .hasMessage("--tls-key " + wrong.keyFile() + " does not belong to the certificate in " + wrong.certFile()
                            + " (its first certificate must be the server's own, for this key)");
        }
    }

    @Test
    void encryptedKeysAreRefusedWithTheCommandThatDecryptsThem() throws Exception {
        certs.openssl("pkcs8", "-topk8", "-in", "ec.key", "-passout", "pass:secret", "-out", "encrypted.key");
        certs.openssl("rsa", "-in", "rsa.key", "-traditional", "-aes256", "-passout", "pass:secret", "-out", "legacy-encrypted.key");
        assertThat(Files.readString(dir.resolve("legacy-encrypted.key"))).contains("Proc-Type: 4,ENCRYPTED");
        for (String name : List.of("encrypted.key", "legacy-encrypted.key")) {
            Path key = dir.resolve(name);
            assertThatThrownBy(() -> ServerTls.load(new TlsConfig(rsaChain, key, false))).isInstanceOf(ConfigException.class)
                    .hasMessage("--tls-key " + key + ": the key is encrypted; the server needs it in clear: "
                            + "openssl pkcs8 -topk8 -nocrypt -in " + key + " -out key.pem");
        }
    }

    @Test
    void filesThatAreMissingOrNotPemAreNamed() throws Exception {
        Path missing = dir.resolve("missing.pem");
        Path text = Files.writeString(dir.resolve("notes.txt"), "not a certificate\n");
        Path binary = Files.write(dir.resolve("cert.der"), new byte[] {0x30, (byte) 0x82, 0x01, (byte) 0xff, 0, 1, 2});
        Path badBase64 = Files.writeString(dir.resolve("bad.pem"), "-----BEGIN CERTIFICATE-----\nnot*base64\n-----END CERTIFICATE-----\n");
        Path dsa = Files.writeString(dir.resolve("dsa.key"), "-----BEGIN DSA PRIVATE KEY-----\nAAAA\n-----END DSA PRIVATE KEY-----\n");

        assertRefused(new TlsConfig(missing, ecKey, false), "--tls-cert " + missing + ": no such file");
        assertRefused(new TlsConfig(text, ecKey, false),
                "--tls-cert " + text + ": holds no PEM certificate (-----BEGIN CERTIFICATE-----)");
        assertRefused(new TlsConfig(binary, ecKey, false),
                "--tls-cert " + binary + ": holds no PEM certificate (-----BEGIN CERTIFICATE-----)");
        assertRefused(new TlsConfig(badBase64, ecKey, false), "--tls-cert " + badBase64 + ": the CERTIFICATE block is not valid base64");
        assertRefused(new TlsConfig(dir, ecKey, false), "--tls-cert " + dir + ": cannot be read: ");
        assertRefused(new TlsConfig(ecChain, missing, false), "--tls-key " + missing + ": no such file");
        assertRefused(new TlsConfig(ecChain, ecChain, false),
                "--tls-key " + ecChain + ": holds no PEM private key (-----BEGIN PRIVATE KEY-----)");
        assertRefused(new TlsConfig(ecChain, dsa, false), "--tls-key " + dsa + ": a DSA PRIVATE KEY is not supported;"
                + " give an RSA or EC key (PKCS#8: openssl pkcs8 -topk8 -nocrypt -in " + dsa + " -out key.pem)");
    }

    private static void assertRefused(TlsConfig tls, String messageStart) {
        assertThatThrownBy(() -> ServerTls.load(tls)).isInstanceOf(ConfigException.class)
                .hasMessageStartingWith(messageStart)
                .hasMessageNotContaining("\n");
    }

    @Test
    void aKeyIsNotRecoveredFromADamagedFile() throws Exception {
        String pem = Files.readString(ecKey);
        Path cut = Files.writeString(dir.resolve("cut.key"), pem.substring(0, pem.indexOf('\n') + 20) + "\n-----END PRIVATE KEY-----\n");
        assertThatThrownBy(() -> PrivateKeys.read(cut)).hasMessageStartingWith(cut + ": not an RSA or EC private key");
        PrivateKey whole = PrivateKeys.read(ecKey);
        assertThat(whole.getFormat()).isEqualTo("PKCS#8");
    }
}
