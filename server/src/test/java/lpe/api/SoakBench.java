package lpe.api;

import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import lpe.v1.CancelJobRequest;
import lpe.v1.EstimationServiceGrpc;
import lpe.v1.GetJobRequest;
import lpe.v1.Job;
import lpe.v1.SubmitJobRequest;
import lpe.v1.WatchJobRequest;

/**
 * A bounded soak of a server JVM on fakes (a benchmark, not a CI test): clients submit thousands of small naive jobs
 * with request ids, cancel one in ten, watch one in five and hang up early, while the server is killed with SIGKILL
 * every few minutes and restarted on the same store. A submit that fails because the server is down is retried with
 * the same request id. At the end every accepted job must be found, in a final state (jobs lost must be 0). Reports
 * p50/p99 submit latency and each server life's resident memory, heap after a full GC and open file descriptors.
 *
 * <p>{@code SoakBench DIR [SECONDS=600] [KILL_EVERY_SECONDS=120] [CLIENTS=8]}, with the server tree's test classpath.
 */
public final class SoakBench {
    private static final AtomicReference<ManagedChannel> CHANNEL = new AtomicReference<>();
    private static final List<Long> LATENCIES_MICROS = new ArrayList<>();
    private static final Map<String, String> ACCEPTED = new ConcurrentHashMap<>(); // request id -> job id
    private static final AtomicInteger SUBMIT_RETRIES = new AtomicInteger();
    private static final AtomicInteger QUEUE_FULL = new AtomicInteger();
    private static final AtomicInteger CANCELS = new AtomicInteger();
    private static final AtomicInteger WATCHES = new AtomicInteger();
    private static final ConcurrentLinkedQueue<String> SAMPLES = new ConcurrentLinkedQueue<>();

    private SoakBench() {}

    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[0]);
        Files.createDirectories(dir);
        long seconds = args.length > 1 ? Long.parseLong(args[1]) : 600;
        long killEvery = args.length > 2 ? Long.parseLong(args[2]) : 120;
        int clients = args.length > 3 ? Integer.parseInt(args[3]) : 8;
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        Process server = start(dir);
        List<Thread> threads = new ArrayList<>();
        for (int c = 0; c < clients; c++) {
            int client = c;
            threads.add(Thread.ofPlatform().start(() -> client(client, end)));
        }
        int kills = 0;
        long nextKill = System.nanoTime() + TimeUnit.SECONDS.toNanos(killEvery);
        long nextSample = System.nanoTime();
        while (System.nanoTime() < end) {
            if (System.nanoTime() >= nextSample) {
                sample(server, "life " + kills);
                nextSample = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            }
            if (System.nanoTime() >= nextKill) {
                sample(server, "life " + kills + " before kill");
                server.destroyForcibly().waitFor();
                kills++;
                server = start(dir);
                nextKill = System.nanoTime() + TimeUnit.SECONDS.toNanos(killEvery);
            }
            Thread.sleep(200);
        }
        for (Thread t : threads) {
            t.join();
        }
        // drain: every accepted job must be known and reach a final state
        int lost = 0;
        int unfinished = 0;
        Map<Job.State, Integer> states = new java.util.EnumMap<>(Job.State.class);
        long drainEnd = System.nanoTime() + TimeUnit.MINUTES.toNanos(5);
        for (Map.Entry<String, String> e : ACCEPTED.entrySet()) {
            Job job = null;
            while (System.nanoTime() < drainEnd) {
                try {
                    job = stub().getJob(GetJobRequest.newBuilder().setName(e.getValue()).build());
                } catch (StatusRuntimeException x) {
                    if (x.getStatus().getCode() == Status.Code.NOT_FOUND) {
                        break;
                    }
                }
                if (job != null && job.getDone()) {
                    break;
                }
                Thread.sleep(50);
            }
            if (job == null) {
                lost++;
                System.out.println("LOST " + e.getKey() + " " + e.getValue());
            } else {
                if (!job.getDone()) {
                    unfinished++;
                }
                states.merge(job.getState(), 1, Integer::sum);
            }
        }
        sample(server, "life " + kills + " end");
        server.destroyForcibly().waitFor();
        long[] lat;
        synchronized (LATENCIES_MICROS) {
            lat = LATENCIES_MICROS.stream().mapToLong(Long::longValue).sorted().toArray();
        }
        System.out.printf("soak: %d s, %d clients, %d kills; jobs accepted %d (queue-full refusals %d, submits retried"
                + " after a kill %d), cancels %d, early-closed watches %d%n", seconds, clients, kills, ACCEPTED.size(),
                QUEUE_FULL.get(), SUBMIT_RETRIES.get(), CANCELS.get(), WATCHES.get());
        System.out.printf("soak: jobs lost %d, not final after the drain %d, final states %s%n", lost, unfinished, states);
        System.out.printf("soak: submit latency p50 %.2f ms, p99 %.2f ms, max %.2f ms (n = %d)%n",
                lat[lat.length / 2] / 1e3, lat[(int) (lat.length * 0.99)] / 1e3, lat[lat.length - 1] / 1e3, lat.length);
        SAMPLES.forEach(System.out::println);
        System.exit(lost == 0 && unfinished == 0 ? 0 : 1);
    }

    private static void client(int client, long end) {
        Random random = new Random(client);
        int n = 0;
        while (System.nanoTime() < end) {
            String requestId = "soak-" + client + "-" + n++;
            SubmitJobRequest request = SubmitJobRequest.newBuilder().setRequestId(requestId)
                    .setSpec(TestServer.spec(random.nextInt(16), 64L << random.nextInt(6), random.nextInt(1 << 20)))
                    .build();
            Job job = null;
            while (job == null && System.nanoTime() < end) {
                long t0 = System.nanoTime();
                try {
                    job = stub().submitJob(request);
                    synchronized (LATENCIES_MICROS) {
                        LATENCIES_MICROS.add((System.nanoTime() - t0) / 1000);
                    }
                } catch (StatusRuntimeException e) {
                    if (e.getStatus().getCode() == Status.Code.RESOURCE_EXHAUSTED) {
                        QUEUE_FULL.incrementAndGet();
                    } else {
                        SUBMIT_RETRIES.incrementAndGet(); // the server is down or restarting: same request id again
                    }
                    sleep(50);
                }
            }
            if (job == null) {
                return;
            }
            ACCEPTED.put(requestId, job.getName());
            try {
                int action = random.nextInt(10);
                if (action == 0) {
                    CANCELS.incrementAndGet();
                    stub().cancelJob(CancelJobRequest.newBuilder().setName(job.getName()).build());
                } else if (action < 3) {
                    WATCHES.incrementAndGet();
                    watchAndHangUp(job.getName(), random.nextInt(50));
                }
            } catch (StatusRuntimeException e) {
                // a job already finished (FAILED_PRECONDITION), or the server is down: both fine for the soak
            }
        }
    }

    private static void watchAndHangUp(String name, int afterMillis) {
        io.grpc.Context.CancellableContext context = io.grpc.Context.current().withCancellation();
        context.run(() -> EstimationServiceGrpc.newStub(CHANNEL.get()).withDeadlineAfter(60, TimeUnit.SECONDS)
                .watchJob(WatchJobRequest.newBuilder().setName(name).build(), new StreamObserver<>() {
                    @Override
                    public void onNext(Job value) {}

                    @Override
                    public void onError(Throwable t) {}

                    @Override
                    public void onCompleted() {}
                }));
        sleep(afterMillis);
        context.cancel(null);
    }

    private static EstimationServiceGrpc.EstimationServiceBlockingStub stub() {
        return EstimationServiceGrpc.newBlockingStub(CHANNEL.get()).withDeadlineAfter(10, TimeUnit.SECONDS);
    }

    private static Process start(Path dir) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p = new ProcessBuilder(java, "-Xmx512m", "-cp", System.getProperty("java.class.path"),
                FakeServerMain.class.getName(), dir.toString(), "4", "256", "2")
                .redirectError(dir.resolve("server-" + System.currentTimeMillis() + ".log").toFile())
                .start();
        String line = new BufferedReader(new InputStreamReader(p.getInputStream())).readLine();
        if (line == null || !line.startsWith("PORT ")) {
            throw new IllegalStateException("the server did not start: " + line);
        }
        ManagedChannel old = CHANNEL.getAndSet(ManagedChannelBuilder.forAddress("127.0.0.1",
                Integer.parseInt(line.substring(5))).usePlaintext().build());
        if (old != null) {
            old.shutdownNow();
        }
        return p;
    }

    /** Resident memory, heap used after a full GC (jcmd) and open file descriptors of the server JVM. */
    private static void sample(Process server, String when) {
        try {
            long pid = server.pid();
            long fds;
            try (var s = Files.list(Path.of("/proc/" + pid + "/fd"))) {
                fds = s.count();
            }
            String rss = Files.readAllLines(Path.of("/proc/" + pid + "/status")).stream()
                    .filter(l -> l.startsWith("VmRSS")).findFirst().orElse("VmRSS: ?").replaceAll("\\s+", " ");
            String jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd").toString();
            new ProcessBuilder(jcmd, Long.toString(pid), "GC.run").redirectErrorStream(true).start().waitFor();
            String heap = new String(new ProcessBuilder(jcmd, Long.toString(pid), "GC.heap_info").redirectErrorStream(true)
                    .start().getInputStream().readAllBytes());
            String used = Arrays.stream(heap.split("\n")).filter(l -> l.contains("used")).findFirst().orElse("?").strip();
            SAMPLES.add(String.format("sample %-22s t=%s fds=%d %s heap: %s", when,
                    java.time.LocalTime.now().withNano(0), fds, rss, used));
        } catch (Exception e) {
            SAMPLES.add("sample " + when + " failed: " + e);
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
