package com.clerk.api.support

import kotlinx.serialization.json.JsonArray
import kotlinx.serialization.json.JsonElement
import kotlinx.serialization.json.JsonNull
import kotlinx.serialization.json.JsonObject
import kotlinx.serialization.json.JsonPrimitive
import kotlinx.serialization.json.booleanOrNull
import kotlinx.serialization.json.doubleOrNull
import kotlinx.serialization.json.longOrNull
import kotlin.test.fail

/**
 * A JSON object read as a strict schema reads it: every accessor checks the value's type and
 * fails naming where the value is, and [assertAllRead] fails on any key (here or in an object
 * read from here) that no one asked for. A runner that reads its files through it cannot skip a
 * misspelt or misplaced key in silence: whatever it did not execute is a failure.
 */
class StrictObject(private val json: JsonObject, private val where: String) {
    private val read = mutableSetOf<String>()
    private val children = mutableListOf<StrictObject>()

    val keys: Set<String> get() = json.keys

    /** Whether [key] is there; does not count as reading it. */
    operator fun contains(key: String) = key in json

    fun string(key: String): String? = primitive(key, "a string") { it.takeIf { p -> p.isString }?.content }

    fun boolean(key: String): Boolean? = primitive(key, "true or false") { it.takeUnless { p -> p.isString }?.booleanOrNull }

    /** A whole number (`2`, not `2.0` or `"2"`). */
    fun long(key: String): Long? = primitive(key, "a whole number") { it.takeUnless { p -> p.isString }?.longOrNull }

    fun double(key: String): Double? =
        primitive(key, "a number") { p -> p.takeUnless { it.isString || it.booleanOrNull != null }?.doubleOrNull }

    /** `true`, the only value a flag action takes: `false` would read as "do not", yet run. */
    fun flag(key: String): Boolean {
        val value = boolean(key) ?: return false
        if (!value) fail("$where.$key takes true, not false")
        return true
    }

    fun obj(key: String): StrictObject? = value(key)?.let { element ->
        val json = element as? JsonObject ?: fail("$where.$key: expected an object, got $element")
        StrictObject(json, "$where.$key").also { children += it }
    }

    fun array(key: String): JsonArray? = value(key)?.let { element ->
        element as? JsonArray ?: fail("$where.$key: expected an array, got $element")
    }

    /** An object's entries, each value read with [read]: for maps keyed by data, e.g. routes. */
    fun <T> entries(key: String, read: (name: String, value: JsonElement) -> T): Map<String, T>? =
        value(key)?.let { element ->
            val json = element as? JsonObject ?: fail("$where.$key: expected an object, got $element")
            json.mapValues { (name, value) -> read(name, value) }
        }

    /** The value as it is, for a reader that checks it itself (the emulator's fault rules). */
    fun raw(key: String): JsonElement? = value(key)

    /** Fails naming every key that nothing read, here and in the objects read from here. */
    fun assertAllRead() {
        val unread = unread()
        if (unread.isNotEmpty()) fail("not executed by this runner (unknown, misspelt or misplaced): ${unread.joinToString()}")
    }

    private fun unread(): List<String> =
        (json.keys - read).map { "$where.$it" } + children.flatMap { it.unread() }

    private fun value(key: String): JsonElement? {
        read += key
        val value = json[key] ?: return null
        if (value is JsonNull) fail("$where.$key is null: leave the key out instead")
        return value
    }

    private fun <T : Any> primitive(key: String, what: String, convert: (JsonPrimitive) -> T?): T? =
        value(key)?.let { element -> (element as? JsonPrimitive)?.let(convert) ?: fail("$where.$key: expected $what, got $element") }
}

/** [element] as a whole number, or a failure naming [where]. */
fun wholeNumber(element: JsonElement, where: String): Long =
    (element as? JsonPrimitive)?.takeUnless { it.isString }?.longOrNull ?: fail("$where: expected a whole number, got $element")

/** [element] as a number, or a failure naming [where]. */
fun number(element: JsonElement, where: String): Double =
    (element as? JsonPrimitive)?.takeUnless { it.isString || it.booleanOrNull != null }?.doubleOrNull
        ?: fail("$where: expected a number, got $element")
