<?php

// Drives clients/php/PushlineClient.php for PhpClientIT, one printed line per step.
// Arguments: <path to PushlineClient.php> <ingest port> <online uid> <other online uid> <offline uid> <closed port>
// Between "idle" and the next step it waits for a line on stdin: the test restarts Pushline meanwhile, so the
// client's idle connection is closed by the server and the next push must reconnect.

declare(strict_types=1);

require $argv[1];

[$port, $online, $other, $offline, $closedPort] = [(int) $argv[2], $argv[3], $argv[4], $argv[5], (int) $argv[6]];
$client = new PushlineClient('127.0.0.1', $port, 2.0);
$say = static function (string $step, bool $result): void {
    echo $step, '=', $result ? 'true' : 'false', "\n";
};

$say('push', $client->push(['uid' => $online, 'percent' => '88%', 'note' => 'déjà vu/½']));
$say('pushToMany', $client->pushToMany([$online, $offline, $other], ['n' => 2]));
$say('broadcast', $client->broadcast(['n' => 3]));
$say('offline', $client->push(['uid' => $offline, 'n' => 4]));
$say('string', $client->push('{"uid":"' . $online . '","n":5}' . "\n"));

echo "idle\n";
fgets(STDIN);
$say('afterRestart', $client->push(['uid' => $online, 'n' => 6]));

try {
    (new PushlineClient('127.0.0.1', $closedPort, 0.5))->push(['uid' => $online]);
    echo "unreachable=no exception\n";
} catch (RuntimeException $e) {
    echo 'unreachable=', $e->getMessage(), "\n";
}
