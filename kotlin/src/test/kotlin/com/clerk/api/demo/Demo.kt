package com.clerk.api.demo

import com.clerk.api.Clerk
import com.clerk.api.ClerkErrorResponse
import com.clerk.api.ClerkResult
import com.clerk.api.GetTokenOptions
import com.clerk.api.TokenResource
import com.clerk.api.fetchToken
import com.clerk.api.fold
import com.clerk.api.support.EmulatorControl
import com.clerk.api.support.claims
import kotlinx.coroutines.runBlocking
import kotlin.system.exitProcess
import kotlin.time.TimeSource

/**
 * A tour of the Kotlin facade against a running Clerk API emulator: sign in with a ticket,
 * then a session token, a cache hit, a JWT template token and a skipCache refresh.
 *
 * Usage: `Demo <emulator URL>` (or set CLERK_EMULATOR_URL). Start an emulator with
 * `target/debug/clerk-emulator --clock real`; see scripts/demo-kotlin.
 */
fun main(args: Array<String>) {
    val url = args.firstOrNull { it.isNotBlank() } ?: System.getenv("CLERK_EMULATOR_URL")?.takeIf { it.isNotBlank() }
    if (url == null) {
        System.err.println("usage: Demo <emulator URL>   (or set CLERK_EMULATOR_URL)")
        exitProcess(2)
    }
    val ok = runBlocking { tour(url) }
    exitProcess(if (ok) 0 else 1)
}

private suspend fun tour(url: String): Boolean {
    val emulator = EmulatorControl(url)
    println("Clerk Frontend API: $url")
    Clerk.configure(frontendApiUrl = url)

    // An app's backend creates the sign-in ticket; here the emulator does.
    val ticket = emulator.signInTicket("user_demo")
    val session = when (val signIn = Clerk.signInWithTicket(ticket)) {
        is ClerkResult.Success -> signIn.value
        is ClerkResult.Failure -> return failed("sign in", signIn)
    }
    println("signed in: session ${session.id} of ${session.userId}")
    println("(the sign-in response carries the first session token, so it is already cached)")
    emulator.resetCounts()

    val steps = listOf(
        "session token" to GetTokenOptions(),
        "same again (cache)" to GetTokenOptions(),
        "template \"test\"" to GetTokenOptions(template = "test"),
        "skipCache refresh" to GetTokenOptions(skipCache = true),
    )
    var previous: TokenResource? = null
    for ((label, options) in steps) {
        val started = TimeSource.Monotonic.markNow()
        val result = session.fetchToken(options)
        val millis = started.elapsedNow().inWholeMicroseconds / 1000.0
        val token = result.fold(onSuccess = { it }, onFailure = { return failed(label, it) })
        val counts = emulator.counts()
        val requests = counts.getValue("session_token") + counts.getValue("template_token")
        val which = if (token.jwt == previous?.jwt) "same token" else "new token "
        println("%-20s %s  %s  %6.2f ms  token requests so far: %d".format(label, which, describe(token), millis, requests))
        previous = token
    }

    Clerk.signOut().fold({ println("signed out; Clerk.session is ${Clerk.session}") }, { return failed("sign out", it) })
    return true
}

/** The token's id and lifetime, never the JWT itself: a demo must not print a usable token. */
private fun describe(token: TokenResource) =
    "jti ${token.claims()["jti"]}, valid ${token.expiresAt - token.issuedAt} s"

private fun failed(what: String, failure: ClerkResult.Failure<ClerkErrorResponse>): Boolean {
    System.err.println("$what failed: ${failure.errorType} ${failure.error ?: failure.throwable}")
    return false
}
