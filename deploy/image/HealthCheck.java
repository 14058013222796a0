import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import java.util.concurrent.TimeUnit;

/**
 * Asks a server's grpc.health.v1 until it says SERVING (exit 0), or the seconds given run out or the server's process
 * (PID, where given) ends (exit 1); run as a source file on the CLI's class path:
 * {@code java -cp CLASSPATH HealthCheck.java HOST:PORT SECONDS [PID]}.
 */
public class HealthCheck {
    public static void main(String[] args) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(Long.parseLong(args[1]));
        ManagedChannel channel = ManagedChannelBuilder.forTarget(args[0]).usePlaintext().build();
        String last = "no answer";
        try {
            while (System.nanoTime() < deadline) {
                if (args.length > 2 && ProcessHandle.of(Long.parseLong(args[2])).map(p -> !p.isAlive()).orElse(true)) {
                    last = "the server's process ended";
                    break;
                }
                try {
                    HealthCheckResponse.ServingStatus status = HealthGrpc.newBlockingStub(channel)
                            .withDeadlineAfter(2, TimeUnit.SECONDS).check(HealthCheckRequest.getDefaultInstance())
                            .getStatus();
                    if (status == HealthCheckResponse.ServingStatus.SERVING) {
                        System.out.println("health " + args[0] + ": SERVING");
                        return;
                    }
                    last = status.name();
                } catch (io.grpc.StatusRuntimeException e) {
                    last = e.getStatus().getCode().name();
                }
                Thread.sleep(500);
            }
        } finally {
            channel.shutdownNow();
        }
        System.err.println("health " + args[0] + ": not SERVING (" + last + ")");
        System.exit(1);
    }
}
