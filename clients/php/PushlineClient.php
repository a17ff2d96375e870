<?php

declare(strict_types=1);

/**
 * Pushes to browsers through a Pushline ingest over one persistent TCP connection.
 *
 * The wire protocol is the Workerman push.php one: write one JSON object per line, read one reply per line,
 * "ok" when at least one target uid had a live WebSocket somewhere, "fail" otherwise (uid offline, line refused,
 * or Pushline could not reach Redis in time). Browsers receive the line byte for byte.
 *
 * One instance keeps one connection open across pushes, which saves a TCP handshake per push in a worker or a
 * queue consumer. The server, a proxy or a restart may close that connection while it is idle, so before each
 * push the client checks whether the server has closed it and, if so, connects again; if the push still meets a
 * broken connection it reconnects and sends the line once more. Only a line sent on a reused connection is
 * retried, and the retry delivers a push twice in one rare case only: the server published the line and went
 * away before answering. A line on a fresh connection is never retried.
 *
 * Not safe to share between processes (after pcntl_fork, create a new instance). No dependencies: PHP 8.0+ with
 * the json extension (always compiled in since PHP 8.0).
 *
 *     $pushline = new PushlineClient();                        // 127.0.0.1:5678
 *     $pushline->push(['uid' => 'uid1', 'percent' => '88%']); // true when uid1 is online
 *     $pushline->pushToMany(['uid1', 'uid2'], ['m' => 'hi']);
 *     $pushline->broadcast(['m' => 'maintenance at 22:00']);
 */
final class PushlineClient
{
    /** The reply to a line that reached at least one connected page. */
    private const REPLY_OK = 'ok';

    /** Longest reply line, with room to spare: the replies are "ok\n" and "fail\n". */
    private const MAX_REPLY_LENGTH = 64;

    /**
     * Arrays are encoded so that the page receives readable text. json_encode never writes a raw newline (one
     * inside a string becomes the two characters \n, and there is no pretty-printing here), so an encoded
     * payload is always exactly one line. JSON_THROW_ON_ERROR turns invalid UTF-8 into an exception instead of
     * a silent false.
     */
    private const JSON_FLAGS = JSON_UNESCAPED_UNICODE | JSON_UNESCAPED_SLASHES | JSON_THROW_ON_ERROR;

    private string $host;
    private int $port;
    private float $timeout;

    /** @var resource|null */
    private $socket = null;

    /**
     * @param string $host    the ingest's address (it listens on loopback by default)
     * @param int    $port    the ingest's port
     * @param float  $timeout seconds to connect, and to wait for each reply
     */
    public function __construct(string $host = '127.0.0.1', int $port = 5678, float $timeout = 1.0)
    {
        if ($timeout <= 0) {
            throw new InvalidArgumentException('PushlineClient: timeout must be positive, got ' . $timeout);
        }
        $this->host = $host;
        $this->port = $port;
        $this->timeout = $timeout;
    }

    /**
     * Pushes one line: an array is JSON-encoded, a string is sent as it is (one trailing "\n" or "\r\n" is
     * dropped, so the seed's json_encode($data) . "\n" works too).
     *
     * @param array<mixed>|string $payload a JSON object with a "uid" (string, int or list) or "broadcast": true
     *
     * @return bool true on "ok": at least one target uid was online
     *
     * @throws InvalidArgumentException when a string payload holds a line break (it would be two pushes)
     * @throws JsonException            when an array cannot be encoded (invalid UTF-8, for example)
     * @throws RuntimeException         when Pushline cannot be reached or does not answer in time
     */
    public function push(array|string $payload): bool
    {
        $line = is_array($payload) ? json_encode($payload, self::JSON_FLAGS) : $this->oneLine($payload);
        return $this->send($line . "\n") === self::REPLY_OK;
    }

    /**
     * Pushes one line to several uids; true when at least one of them was online.
     *
     * @param list<string|int> $uids at most 1,000
     * @param array<mixed>     $data the rest of the payload; it must not have a "uid" of its own
     */
    public function pushToMany(array $uids, array $data): bool
    {
        if ($uids === []) {
            throw new InvalidArgumentException('PushlineClient: pushToMany needs at least one uid');
        }
        $this->refuseKeys($data, ['uid']);
        return $this->push(['uid' => array_values($uids)] + $data);
    }

    /**
     * Pushes one line to every connected page, on every gateway; true when there was at least one.
     *
     * @param array<mixed> $data the payload; it must not have a "uid" or "broadcast" of its own
     */
    public function broadcast(array $data): bool
    {
        $this->refuseKeys($data, ['uid', 'broadcast']);
        return $this->push(['broadcast' => true] + $data);
    }

    /** Closes the connection; the next push opens a new one. */
    public function close(): void
    {
        if ($this->socket !== null) {
            fclose($this->socket);
            $this->socket = null;
        }
    }

    public function __destruct()
    {
        $this->close();
    }

    /** Writes the line and reads its reply, reconnecting once if a reused connection turns out broken. */
    private function send(string $line): string
    {
        $reused = $this->socket !== null && !$this->closedByServer();
        if (!$reused) {
            $this->connect();
        }
        $reply = $this->exchange($line);
        if ($reply === null && $reused) {
            $this->connect();
            $reply = $this->exchange($line);
        }
        if ($reply === null) {
            $this->close();
            throw new RuntimeException(sprintf(
                'PushlineClient: tcp://%s:%d closed the connection before answering',
                $this->host,
                $this->port
            ));
        }
        return $reply;
    }

    /** @return string|null the reply without its line ending, or null when the connection broke */
    private function exchange(string $line): ?string
    {
        for ($written = 0; $written < strlen($line); $written += $n) {
            $n = @fwrite($this->socket, substr($line, $written));
            if ($n === false || $n === 0) {
                return null;
            }
        }
        $reply = fgets($this->socket, self::MAX_REPLY_LENGTH);
        if ($reply === false) {
            if (stream_get_meta_data($this->socket)['timed_out']) {
                // A late reply would be read as the next push's: this connection can no longer be used.
                $this->close();
                throw new RuntimeException(sprintf(
                    'PushlineClient: no reply from tcp://%s:%d within %.3f s',
                    $this->host,
                    $this->port,
                    $this->timeout
                ));
            }
            return null;
        }
        return rtrim($reply, "\r\n");
    }

    /** Whether the server closed the idle connection: it is readable, yet there is nothing to read. */
    private function closedByServer(): bool
    {
        $read = [$this->socket];
        $none = [];
        if (@stream_select($read, $none, $none, 0) === 0) {
            return false; // nothing pending: the connection is idle and open
        }
        // Replies only follow lines, so anything readable now is the end of the stream (or an error).
        $this->close();
        return true;
    }

    private function connect(): void
    {
        $this->close();
        $address = sprintf('tcp://%s:%d', $this->host, $this->port);
        $socket = @stream_socket_client($address, $errno, $error, $this->timeout);
        if ($socket === false) {
            throw new RuntimeException(sprintf(
                'PushlineClient: cannot connect to %s within %.3f s: %s (%d)',
                $address,
                $this->timeout,
                $error !== '' ? $error : 'unknown error',
                $errno
            ));
        }
        $seconds = (int) $this->timeout;
        stream_set_timeout($socket, $seconds, (int) (($this->timeout - $seconds) * 1_000_000));
        $this->socket = $socket;
    }

    private function oneLine(string $payload): string
    {
        $line = preg_replace('/\r?\n\z/', '', $payload, 1);
        if (strpbrk($line, "\r\n") !== false) {
            throw new InvalidArgumentException(
                'PushlineClient: a payload string must be one line; encode arrays with push(array) instead'
            );
        }
        return $line;
    }

    /**
     * @param array<mixed>  $data
     * @param list<string>  $keys
     */
    private function refuseKeys(array $data, array $keys): void
    {
        foreach ($keys as $key) {
            if (array_key_exists($key, $data)) {
                throw new InvalidArgumentException(sprintf(
                    'PushlineClient: the data must not have its own "%s": the target is given separately',
                    $key
                ));
            }
        }
    }
}
