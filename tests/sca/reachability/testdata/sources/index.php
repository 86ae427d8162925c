<?php
namespace App\Http;

use GuzzleHttp\Client;
use Monolog\{Logger, Handler\StreamHandler as Stream};
use function Amp\async;
// use Trap\Comment;
/* use Trap\Block; */

$client = new \Symfony\Component\HttpClient\HttpClient();
$relative = new Relative\Name();
$text = "use Trap\\String;";
$class = 'Trap\\SingleQuoted';
