package com.example.app

import com.squareup.moshi.Moshi
import kotlinx.coroutines.*
import io.ktor.server.engine.embeddedServer as server
// import trap.comment.Thing

fun main() {
    val text = "import trap.string.Thing"
    val mapper = com.fasterxml.jackson.databind.ObjectMapper()
    val client: okhttp3.OkHttpClient? = null
    /* val x = trap.block.Thing() */
}
