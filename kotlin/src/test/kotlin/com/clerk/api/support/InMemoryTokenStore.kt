package com.clerk.api.support

import com.clerk.api.DeviceTokenStore

/** A device token store kept in memory, as a test stand-in for the Android Keystore. */
class InMemoryTokenStore : DeviceTokenStore {
    @Volatile
    var token: String? = null
        private set

    override fun load(): String? = token

    override fun save(token: String?) {
        this.token = token
    }
}
