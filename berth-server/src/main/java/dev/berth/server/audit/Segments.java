package dev.berth.server.audit;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The segment files of a log directory, and the small index readers find an event's segment by: each
 * segment's first seq. The writer adds a segment when it rolls; readers on other threads see it then.
 */
final class Segments {
    private static final System.Logger LOG = System.getLogger(Segments.class.getName());
    private static final Pattern NAME = Pattern.compile("segment-(\\d{6,})\\.jsonl");

    /** A segment file and its number (1, 2, …), from its name. */
    record SegmentFile(int number, Path path) {
        String name() {
            return path.getFileName().toString();
        }
    }

    private final Path dir;
    private final ConcurrentSkipListMap<Long, Path> byFirstSeq = new ConcurrentSkipListMap<>();

    private Segments(Path dir) {
        this.dir = dir;
    }

    static String name(int number) {
        return "segment-%06d.jsonl".formatted(number);
    }

    /** The segment files in {@code dir}, by number. */
    static List<SegmentFile> list(Path dir) throws IOException {
        List<SegmentFile> files = new ArrayList<>();
        try (Stream<Path> entries = Files.list(dir)) {
            for (Path p : (Iterable<Path>) entries::iterator) {
                Matcher m = NAME.matcher(p.getFileName().toString());
                if (m.matches()) {
                    files.add(new SegmentFile(Integer.parseInt(m.group(1)), p));
                }
            }
        }
        files.sort(Comparator.comparingInt(SegmentFile::number));
        return files;
    }

    /** Indexes the non-empty segments of {@code dir} by the seq their first line has. */
    static Segments index(Path dir, List<SegmentFile> files) throws IOException {
        Segments segments = new Segments(dir);
        for (SegmentFile f : files) {
            try (FileChannel ch = FileChannel.open(f.path(), StandardOpenOption.READ)) {
                LineReader.Line first = new LineReader(ch, 0).next();
                if (first == null) {
                    continue; // empty: only the newest can be, and the writer registers it
                }
                long seq = LineFormat.seqOf(first.bytes(), first.off(), first.len());
                if (seq < 0) {
                    LOG.log(System.Logger.Level.WARNING, "{0} does not start with an event line; reads skip it (verify says why)",
                            f.path());
                    continue;
                }
                segments.byFirstSeq.put(seq, f.path());
            }
        }
        return segments;
    }

    Path path(int number) {
        return dir.resolve(name(number));
    }

    void register(long firstSeq, Path segment) {
        byFirstSeq.put(firstSeq, segment);
    }

    /** The segment that holds {@code seq} if any does: the one with the greatest first seq at most {@code seq}. */
    Map.Entry<Long, Path> holding(long seq) {
        Map.Entry<Long, Path> e = byFirstSeq.floorEntry(seq);
        return e != null ? e : byFirstSeq.firstEntry();
    }

    /** The segment after the one starting at {@code firstSeq}, or null while there is none. */
    Map.Entry<Long, Path> after(long firstSeq) {
        return byFirstSeq.higherEntry(firstSeq);
    }
}
