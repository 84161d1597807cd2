"""The floor of `make bench-notify`: one message (a file from the Maildir, as summitd built it)
sent N times over one SMTP connection to the server summitd delivers to. Prints the seconds."""
import smtplib
import sys
import time

host, port, path, n, rcpt = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4]), sys.argv[5]
with open(path, "rb") as f:
    raw = f.read()
# drop the headers the receiving server added (X-Peer, X-MailFrom, X-RcptTo), CRLF line ends
head, _, body = raw.partition(b"\n\n")
lines = [l for l in head.split(b"\n") if not l.startswith((b"X-Peer:", b"X-MailFrom:", b"X-RcptTo:"))]
msg = (b"\r\n".join(l.rstrip(b"\r") for l in lines) + b"\r\n\r\n" +
       b"\r\n".join(l.rstrip(b"\r") for l in body.split(b"\n")))
t0 = time.monotonic()
s = smtplib.SMTP(host, port)
for _ in range(n):
    s.sendmail("noreply@bench.example", [rcpt], msg)
s.quit()
print("%.3f" % (time.monotonic() - t0))
