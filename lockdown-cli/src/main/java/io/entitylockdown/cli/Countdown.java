package io.entitylockdown.cli;

import java.io.PrintWriter;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;

/** Waits until an instant, showing the seconds left on stderr so a responder knows the tool is alive. */
final class Countdown {
    private Countdown() {
    }

    static void await(Instant until, String what, PrintWriter err, Clock clock) {
        long lastShown = -1;
        while (true) {
            Duration left = Duration.between(clock.instant(), until);
            if (left.isNegative() || left.isZero()) {
                if (lastShown < 0) {
                    err.println("  " + what + ": the window has already passed, going ahead now");
                    err.flush();
                }
                return;
            }
            long seconds = (left.toMillis() + 999) / 1000;
            if (seconds != lastShown && (lastShown < 0 || seconds <= 5 || seconds % 10 == 0)) {
                err.println("  " + what + " in " + seconds + " s");
                err.flush();
                lastShown = seconds;
            }
            try {
                Thread.sleep(Math.min(left.toMillis(), 250));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new CliException(ExitCodes.FAILED, "Interrupted before " + what + "; run the same contain "
                        + "command with --window 0 to finish (phase 1 steps report 'already')");
            }
        }
    }
}
