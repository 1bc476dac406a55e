package dev.berth.server.tls;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Just enough DER to re-wrap OpenSSL's traditional key forms (PKCS#1 for RSA, SEC 1 for EC) as the
 * PKCS#8 the JDK's key factories read: tag-length-value elements, one-byte tags, definite lengths.
 */
final class Der {
    static final int INTEGER = 0x02;
    static final int OCTET_STRING = 0x04;
    static final int NULL = 0x05;
    static final int OID = 0x06;
    static final int SEQUENCE = 0x30;
    /** {@code [0]}, constructed: SEC 1's curve parameters. */
    static final int CONTEXT_0 = 0xA0;

    /** One element as read; {@code encoded} is the whole of it, tag and length included. */
    record Element(int tag, byte[] value, byte[] encoded) {}

    private Der() {}

    /** An element of {@code tag} whose value is the concatenation of {@code parts}. */
    static byte[] encode(int tag, byte[]... parts) {
        ByteArrayOutputStream value = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            value.writeBytes(p);
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(tag);
        int length = value.size();
        if (length < 0x80) {
            out.write(length);
        } else {
            int bytes = (Integer.SIZE - Integer.numberOfLeadingZeros(length) + 7) / 8;
            out.write(0x80 | bytes);
            for (int i = bytes - 1; i >= 0; i--) {
                out.write(length >>> (8 * i));
            }
        }
        out.writeBytes(value.toByteArray());
        return out.toByteArray();
    }

    /** The elements inside the SEQUENCE that {@code der} is, in order. */
    static List<Element> sequence(byte[] der) throws IOException {
        Element outer = read(der, 0);
        if (outer.tag() != SEQUENCE || outer.encoded().length != der.length) {
            throw new IOException("not a DER sequence");
        }
        List<Element> children = new ArrayList<>();
        for (int at = 0; at < outer.value().length; ) {
            Element e = read(outer.value(), at);
            children.add(e);
            at += e.encoded().length;
        }
        return children;
    }

    private static Element read(byte[] der, int at) throws IOException {
        if (at + 2 > der.length) {
            throw new IOException("truncated DER");
        }
        int tag = der[at] & 0xff;
        if ((tag & 0x1f) == 0x1f) {
            throw new IOException("a multi-byte DER tag");
        }
        int length = der[at + 1] & 0xff;
        int start = at + 2;
        if (length >= 0x80) {
            int bytes = length & 0x7f;
            if (bytes == 0 || bytes > 3) {
                throw new IOException("a DER length that is indefinite or too long");
            }
            if (start + bytes > der.length) {
                throw new IOException("truncated DER");
            }
            length = 0;
            for (int i = 0; i < bytes; i++) {
                length = (length << 8) | (der[start + i] & 0xff);
            }
            start += bytes;
        }
        if (start + length > der.length) {
            throw new IOException("truncated DER");
        }
        return new Element(tag, Arrays.copyOfRange(der, start, start + length), Arrays.copyOfRange(der, at, start + length));
    }
}
