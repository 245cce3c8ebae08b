#include "gen/word_lists.h"

namespace movierec::gen::words {

namespace {

constexpr const char* kAdjectives[] = {
    "Dark",      "Silent",    "Last",      "Lost",     "Hidden",    "Broken",    "Golden",
    "Crimson",   "Eternal",   "Wild",      "Secret",   "Forgotten", "Burning",   "Frozen",
    "Distant",   "Hollow",    "Endless",   "Savage",   "Gentle",    "Bitter",    "Sweet",
    "Electric",  "Midnight",  "Scarlet",   "Iron",     "Silver",    "Invisible", "Restless",
    "Fallen",    "Rising",    "Little",    "Great",    "Final",     "First",     "Black",
    "White",     "Red",       "Blue",      "Green",    "Quiet",     "Lonely",    "Perfect",
    "Dangerous", "Beautiful", "Strange",   "Wicked",   "Brave",     "Deadly",    "Holy",
    "Shattered", "Velvet",    "Northern",  "Southern", "Western",   "Eastern",   "Ancient",
    "Modern",    "Hungry",    "Sleepless", "Crooked",  "Painted",   "Drowned",   "Stolen",
    "Faithful",  "Reckless",  "Radiant",   "Savage",   "Phantom",   "Shadow",    "Wandering",
};

constexpr const char* kNouns[] = {
    "River",     "Night",      "City",     "Heart",    "Road",       "Garden",   "Kingdom",
    "Empire",    "Storm",      "Shadow",   "Dream",    "Mirror",     "Island",   "Mountain",
    "Ocean",     "Summer",     "Winter",   "Harvest",  "Promise",    "Secret",   "Witness",
    "Stranger",  "Soldier",    "Hunter",   "Dancer",   "Thief",      "Queen",    "King",
    "Prince",    "Daughter",   "Son",      "Brother",  "Sister",     "Mother",   "Father",
    "Widow",     "Ghost",      "Angel",    "Devil",    "Wolf",       "Lion",     "Raven",
    "Horse",     "Machine",    "Signal",   "Frontier", "Harbor",     "Station",  "Tower",
    "Bridge",    "Forest",     "Desert",   "Valley",   "Sky",        "Star",     "Moon",
    "Sun",       "Fire",       "Ice",      "Rain",     "Wind",       "Thunder",  "Blood",
    "Gold",      "Silence",    "Memory",   "Journey",  "Escape",     "Return",   "Revenge",
    "Betrayal",  "Legacy",     "Prophecy", "Covenant", "Conspiracy", "Affair",   "Game",
    "Circle",    "Code",       "Protocol", "Paradox",  "Horizon",    "Voyage",   "Odyssey",
    "Symphony",  "Requiem",    "Lullaby",  "Carnival", "Circus",     "Hotel",    "Diner",
    "Highway",   "Lighthouse", "Orchard",  "Vineyard", "Cathedral",  "Palace",   "Prison",
    "Asylum",    "Academy",    "Colony",   "Outpost",  "Galaxy",     "Planet",   "Comet",
    "Detective", "Gambler",    "Preacher", "Outlaw",   "Sheriff",    "Pilot",    "Captain",
    "Doctor",    "Professor",  "Painter",  "Poet",     "Spy",        "Assassin", "Survivor",
};

constexpr const char* kPlaces[] = {
    "Paris",    "Berlin",     "Tokyo",    "Brooklyn", "Manhattan", "Chicago",  "Texas",
    "Alaska",   "Casablanca", "Havana",   "Vienna",   "Venice",    "Istanbul", "Marrakesh",
    "Shanghai", "Bombay",     "Cairo",    "Lisbon",   "Rome",      "Moscow",   "Dublin",
    "Glasgow",  "Sydney",     "Nevada",   "Montana",  "Louisiana", "Santa Fe", "Hollywood",
    "Broadway", "Mars",       "the Moon", "Atlantis", "Eden",      "Babylon",  "Sparta",
    "Troy",     "the North",  "the West", "Tomorrow", "Yesterday", "Nowhere",  "Midnight",
};

// Accented words that appear in English-language titles; all latin-1 representable.
constexpr const char* kAccented[] = {
    "Café",    "Déjà Vu", "Señorita",    "Naïve",        "Über",         "Fiancée",
    "Protégé", "Résumé",  "Cliché",      "Jalapeño",     "Piñata",       "Façade",
    "Mañana",  "Noël",    "Smörgåsbord", "Crème Brûlée", "Rendez-vous",  "Exposé",
    "Soirée",  "Entrée",  "Débutante",   "Matinée",      "Doppelgänger", "Émigré",
};

constexpr const char* kVerbsIng[] = {
    "Chasing",  "Finding", "Saving",       "Losing",       "Waiting for",   "Leaving",
    "Becoming", "Killing", "Loving",       "Remembering",  "Searching for", "Escaping",
    "Hunting",  "Burying", "Dancing with", "Running from", "Crossing",      "Raising",
};

// Original-language title words.
constexpr const char* kFr1[] = {"Le Voyage", "La Nuit",    "Les Enfants",    "Le Secret",
                                "La Fille",  "Le Château", "La Mémoire",     "Le Rêve",
                                "La Femme",  "Les Amants", "Le Dernier Été", "La Règle",
                                "Le Mépris", "La Haine"};
constexpr const char* kFr2[] = {"perdu",    "du silence", "de Paris",    "éternel",
                                "noire",    "d'hiver",    "du jeu",      "de la mer",
                                "sans fin", "à Lyon",     "des étoiles", "de minuit"};
constexpr const char* kEs1[] = {"El Laberinto", "La Noche",      "El Secreto",  "Los Olvidados",
                                "La Lengua",    "El Corazón",    "El Niño",     "La Casa",
                                "El Sueño",     "Las Mariposas", "El Espíritu", "La Piel"};
constexpr const char* kEs2[] = {"del fauno",  "de papel",  "perdido", "de la colmena", "que habito",
                                "sin nombre", "de Madrid", "del mar", "de los ojos",   "de otoño"};
constexpr const char* kDe1[] = {"Der Himmel",     "Die Nacht",   "Das Leben",       "Die Brücke",
                                "Der Untergang",  "Das Boot",    "Die Stadt",       "Der Tod",
                                "Das weiße Band", "Die Mädchen", "Der Himmel über", "Die Fälscher"};
constexpr const char* kDe2[] = {"der anderen", "über Berlin", "im Nebel", "ohne Namen",
                                "der Wölfe",   "am Fluss",    "in Grün",  "der Träume",
                                "des Königs",  "aus Glas"};
constexpr const char* kIt1[] = {"La Vita",    "La Dolce",   "Il Buono",      "La Strada",
                                "Il Postino", "La Notte",   "Il Gattopardo", "Nuovo Cinema",
                                "La Grande",  "Il Deserto", "Ladri di",      "Città"};
constexpr const char* kIt2[] = {"è bella",     "vita",       "di Roma", "Paradiso", "Bellezza",
                                "dei Tartari", "biciclette", "aperta",  "d'estate", "perduta"};
constexpr const char* kJa1[] = {"東京", "夜", "風",   "花",   "海", "夢", "侍", "桜", "月",
                                "光",   "影", "千尋", "七人", "雨", "雪", "空", "森", "火垂る"};
constexpr const char* kJa2[] = {"物語", "墓",   "神隠し", "侍", "城", "花火",
                                "記憶", "約束", "時代",   "旅", "歌", "声"};
constexpr const char* kKo1[] = {"서울", "밤", "바다", "사랑", "기억", "괴물",   "아가씨",
                                "살인", "봄", "여름", "가을", "겨울", "기생충", "마더"};
constexpr const char* kKo2[] = {"이야기", "추억", "기억", "비밀",   "노래",
                                "전쟁",   "약속", "시간", "사람들", "하녀"};
constexpr const char* kZh1[] = {"卧虎", "花样",     "红",   "霸王", "英雄", "城市",
                                "龙",   "大红灯笼", "活着", "一一", "色",   "无间"};
constexpr const char* kZh2[] = {"藏龙", "年华",   "高粱", "别姬", "故事",
                                "之光", "高高挂", "道",   "戒",   "岁月"};
constexpr const char* kRu1[] = {"Иван", "Ночь",    "Город", "Война",  "Сталкер", "Солярис",
                                "Брат", "Зеркало", "Летят", "Москва", "Андрей",  "Левиафан"};
constexpr const char* kRu2[] = {"и мир",   "слезам не верит", "журавли", "Рублёв", "детство",
                                "на Неве", "без конца",       "и море",  "в огне", "любви"};
constexpr const char* kHi1[] = {"दिल",   "प्यार", "शोले", "लगान", "दंगल",
                                "ज़िंदगी", "मदर",  "कभी", "सपने",  "रंग"};
constexpr const char* kHi2[] = {"वाले",   "इंडिया", "ना मिलेगी",   "दे बसंती",
                                "कहानी", "सफ़र",   "खुशी कभी ग़म", "की बात"};
constexpr const char* kSv1[] = {"Det sjunde", "Smultron", "Fanny och", "Låt den",  "Viskningar",
                                "Persona",    "Sommaren", "Jägarna",   "Den goda", "Flickan"};
constexpr const char* kSv2[] = {"inseglet", "stället",    "Alexander", "rätte komma in",
                                "och rop",  "med Monika", "i skogen",  "vid havet"};
constexpr const char* kDa1[] = {"Festen",  "Jagten", "Babettes", "Drengen",
                                "Kongens", "Pelle",  "Hævnen",   "Flammen"};
constexpr const char* kDa2[] = {"gæstebud", "Erobreren", "og Citronen",
                                "fald",     "i mørket",  "på heden"};
constexpr const char* kPt1[] = {"Cidade",    "Central", "O Auto",  "Tropa", "Abril",
                                "Dona Flor", "O Som",   "Bacurau", "Terra"};
constexpr const char* kPt2[] = {"de Deus",  "do Brasil",   "da Compadecida",
                                "de Elite", "Despedaçado", "e Seus Dois Maridos",
                                "ao Redor", "em Transe"};

constexpr OriginalTitleWords kOriginalTitleArr[] = {
    {"fr", kFr1, kFr2, " "}, {"es", kEs1, kEs2, " "},  {"de", kDe1, kDe2, " "},
    {"it", kIt1, kIt2, " "}, {"ja", kJa1, kJa2, "の"}, {"ko", kKo1, kKo2, "의 "},
    {"zh", kZh1, kZh2, ""},  {"ru", kRu1, kRu2, " "},  {"hi", kHi1, kHi2, " "},
    {"sv", kSv1, kSv2, " "}, {"da", kDa1, kDa2, " "},  {"pt", kPt1, kPt2, " "},
};

// Names.
constexpr const char* kEnFemale[] = {
    "Mary",   "Emma",  "Olivia",   "Sophia", "Isabella", "Charlotte", "Amelia",  "Grace",
    "Zoë",    "Renée", "Chloé",    "Naomi",  "Julia",    "Laura",     "Kate",    "Anne",
    "Helen",  "Susan", "Sarah",    "Rachel", "Jessica",  "Emily",     "Diane",   "Meryl",
    "Cate",   "Tilda", "Frances",  "Viola",  "Octavia",  "Scarlett",  "Natalie", "Jennifer",
    "Nicole", "Amy",   "Michelle", "Margot", "Saoirse",  "Zoé",       "Joan",    "Ruth"};
constexpr const char* kEnMale[] = {
    "John",    "Michael", "James",    "Robert",   "William",  "David",   "Richard", "Thomas",
    "Charles", "Daniel",  "Matthew",  "Anthony",  "Mark",     "Paul",    "Steven",  "Andrew",
    "Kenneth", "George",  "Edward",   "Brian",    "Kevin",    "Jason",   "Timothy", "Ryan",
    "Jacob",   "Gary",    "Nicholas", "Eric",     "Jonathan", "Stephen", "Larry",   "Justin",
    "Scott",   "Brandon", "Frank",    "Benjamin", "Gregory",  "Samuel",  "Patrick", "Denzel"};
constexpr const char* kEnFamily[] = {
    "Smith",    "Johnson",    "Williams", "Brown",     "Jones",      "Miller",   "Davis",
    "Wilson",   "Anderson",   "Taylor",   "Thomas",    "Moore",      "Martin",   "Jackson",
    "Thompson", "White",      "Harris",   "Clark",     "Lewis",      "Robinson", "Walker",
    "Young",    "Allen",      "King",     "Wright",    "Scott",      "Hill",     "Green",
    "Adams",    "Baker",      "Nelson",   "Carter",    "Mitchell",   "Roberts",  "Turner",
    "Phillips", "Campbell",   "Parker",   "Evans",     "Edwards",    "Collins",  "Stewart",
    "Morris",   "Murphy",     "Cook",     "Rogers",    "O'Brien",    "O'Connor", "McAdams",
    "McGregor", "Fassbender", "Streep",   "Blanchett", "Washington", "Freeman",  "Hanks"};
constexpr const char* kFrFemale[] = {"Léa",    "Noémie", "Hélène",   "Camille",  "Élodie",
                                     "Cécile", "Amélie", "Isabelle", "Juliette", "Chloé"};
constexpr const char* kFrMale[] = {"François",    "André", "Jérôme", "Benoît", "Gérard",
                                   "Jean-Pierre", "Émile", "Théo",   "Luc",    "Mathieu"};
constexpr const char* kFrFamily[] = {"Dubois",  "Lefèvre", "Petit",  "Moreau",   "Lefebvre",
                                     "Girard",  "Mercier", "Bonnet", "Deneuve",  "Depardieu",
                                     "Huppert", "Binoche", "Cassel", "Gaultier", "Lemaître"};
constexpr const char* kEsFemale[] = {"Inés",  "Ángela", "Penélope", "María",    "Lucía",
                                     "Sofía", "Marta",  "Elena",    "Almudena", "Begoña"};
constexpr const char* kEsMale[] = {"José",      "Raúl",  "Javier", "Andrés", "Martín",
                                   "Sebastián", "Jesús", "Álvaro", "Iñaki",  "Rubén"};
constexpr const char* kEsFamily[] = {"García",  "López",     "Pérez", "Núñez",  "Martínez",
                                     "Sánchez", "Fernández", "Gómez", "Díaz",   "Muñoz",
                                     "Bardem",  "Almodóvar", "Cruz",  "Ibáñez", "Rodríguez"};
constexpr const char* kDeFemale[] = {"Ilse",  "Ursula",   "Hanna",  "Katharina", "Gisela",
                                     "Lotte", "Brigitte", "Sabine", "Jördis",    "Anke"};
constexpr const char* kDeMale[] = {"Klaus", "Jürgen",   "Günter", "Werner", "Bruno",
                                   "Götz",  "Matthias", "Björn",  "Jörg",   "Ulrich"};
constexpr const char* kDeFamily[] = {"Müller", "Schäfer", "Schröder", "Weiß",   "Köhler",
                                     "Groß",   "Krüger",  "Wagner",   "Becker", "Hoffmann",
                                     "Böhm",   "Fröbe",   "Brühl",    "Kinski", "Jäger"};
constexpr const char* kNordicFemale[] = {"Ingrid", "Astrid",   "Sigrid", "Liv",   "Noomi",
                                         "Trine",  "Birgitte", "Åsa",    "Märta", "Solveig"};
constexpr const char* kNordicMale[] = {"Søren",   "Mads",    "Ole", "Bjørn", "Lars",
                                       "Nikolaj", "Stellan", "Max", "Gösta", "Ørjan"};
constexpr const char* kNordicFamily[] = {"Østergaard", "Nyström",   "Sørensen",  "Mikkelsen",
                                         "Bergman",    "Skarsgård", "Rapace",    "Ullmann",
                                         "Thomsen",    "Åkerlund",  "Lindqvist", "Bjørnstad"};
constexpr const char* kPlFemale[] = {"Agnieszka", "Małgorzata", "Joanna", "Katarzyna",
                                     "Ewa",       "Zofia",      "Dorota", "Krystyna"};
constexpr const char* kPlMale[] = {"Łukasz", "Krzysztof", "Wojciech", "Paweł",
                                   "Jerzy",  "Andrzej",   "Zbigniew", "Tomasz"};
constexpr const char* kPlFamily[] = {"Kowalski",    "Wiśniewski", "Wójcik",    "Kamiński",
                                     "Lewandowski", "Zieliński",  "Szymański", "Dąbrowski",
                                     "Kieślowski",  "Żuławski"};
constexpr const char* kTrFemale[] = {"Ayşe", "Fatma", "Şule", "Gülşen", "Özge", "Çiğdem"};
constexpr const char* kTrMale[] = {"Mehmet", "Mustafa", "Ömer", "Çağan", "Şükrü", "İlker"};
constexpr const char* kTrFamily[] = {"Yılmaz", "Kaya",   "Demir", "Şahin",
                                     "Çelik",  "Öztürk", "Aydın", "Ceylan"};
constexpr const char* kJaFemale[] = {"花子", "由美", "美咲", "さくら", "陽子", "恵子"};
constexpr const char* kJaMale[] = {"謙", "健太", "翔太", "三船", "大輔", "拓也", "浩"};
constexpr const char* kJaFamily[] = {"渡辺", "佐藤", "鈴木", "高橋", "田中",
                                     "山本", "中村", "小林", "黒澤", "宮崎"};
constexpr const char* kKoFemale[] = {"서연", "수빈", "지우", "민지", "하은", "예린"};
constexpr const char* kKoMale[] = {"민준", "지훈", "도윤", "현우", "준호", "강호"};
constexpr const char* kKoFamily[] = {"김", "이", "박", "최", "정", "송", "봉"};
constexpr const char* kZhFemale[] = {"芳", "娜", "静", "丽", "曼玉", "子怡"};
constexpr const char* kZhMale[] = {"伟", "强", "磊", "军", "朝伟", "家卫"};
constexpr const char* kZhFamily[] = {"王", "李", "张", "刘", "陈", "杨", "梁", "章"};
constexpr const char* kRuFemale[] = {"Анна", "Мария", "Ольга", "Наталья", "Татьяна", "Екатерина"};
constexpr const char* kRuMale[] = {"Иван", "Дмитрий", "Сергей", "Алексей", "Андрей", "Никита"};
constexpr const char* kRuFamily[] = {"Петров", "Иванов",  "Смирнов",  "Кузнецов",
                                     "Попов",  "Соколов", "Михалков", "Волков"};
constexpr const char* kHiFemale[] = {"Priya", "Aishwarya", "Deepika", "Kajol", "Madhuri"};
constexpr const char* kHiMale[] = {"Raj", "Amitabh", "Shah Rukh", "Aamir", "Ranbir"};
constexpr const char* kHiFamily[] = {"Kapoor", "Khan", "Bachchan", "Sharma", "Patel", "Chopra"};

constexpr NameCulture kNameCultureArr[] = {
    {"en", kEnFemale, kEnMale, kEnFamily, false, false, false, 60.0},
    {"fr", kFrFemale, kFrMale, kFrFamily, false, false, false, 7.0},
    {"es", kEsFemale, kEsMale, kEsFamily, false, false, false, 6.0},
    {"de", kDeFemale, kDeMale, kDeFamily, false, false, false, 5.0},
    {"nordic", kNordicFemale, kNordicMale, kNordicFamily, false, false, false, 4.0},
    {"pl", kPlFemale, kPlMale, kPlFamily, false, false, false, 2.0},
    {"tr", kTrFemale, kTrMale, kTrFamily, false, false, false, 1.5},
    {"ja", kJaFemale, kJaMale, kJaFamily, true, false, false, 3.0},
    {"ko", kKoFemale, kKoMale, kKoFamily, true, true, false, 2.0},
    {"zh", kZhFemale, kZhMale, kZhFamily, true, true, false, 2.0},
    {"ru", kRuFemale, kRuMale, kRuFamily, false, false, true, 2.0},
    {"hi", kHiFemale, kHiMale, kHiFamily, false, false, false, 2.5},
};

constexpr SingleName kSingleNameArr[] = {
    {"Björk", 1}, {"Cher", 1}, {"Madonna", 1}, {"Zendaya", 1}, {"Sting", 2},
    {"Drake", 2}, {"Mýa", 1},  {"Prince", 2},  {"Rihanna", 1}, {"Moebius", 2},
};

constexpr const char* kCharacterTitleArr[] = {
    "Dr.",      "Detective", "Officer", "Captain", "Mrs.", "Mr.",   "Agent", "Professor",
    "Sergeant", "Father",    "Sister",  "Young",   "Old",  "Uncle", "Aunt",  "Judge"};
constexpr const char* kCharacterRoleArr[] = {
    "Himself",
    "Herself",
    "Narrator (voice)",
    "The Stranger",
    "Bartender",
    "Waitress",
    "Nurse",
    "Soldier #2",
    "Reporter",
    "Taxi Driver",
    "Party Guest",
    "Henchman",
    "Priest",
    "Receptionist",
    "Bank Teller",
    "Security Guard",
    "Girl in Car",
    "Man at Bar",
    "Radio Announcer (voice)",
    "Townsperson",
};

constexpr const char* kGenreArr[] = {
    "Action",          "Adventure", "Animation", "Comedy", "Crime",  "Documentary", "Drama",
    "Family",          "Fantasy",   "History",   "Horror", "Music",  "Mystery",     "Romance",
    "Science Fiction", "TV Movie",  "Thriller",  "War",    "Western"};
static_assert(sizeof(kGenreArr) / sizeof(kGenreArr[0]) == kGenreCount);

constexpr Language kLanguageArr[] = {
    {"en", "English", "US", 72.0},  {"fr", "Français", "FR", 6.0}, {"es", "Español", "ES", 4.0},
    {"ja", "日本語", "JP", 4.0},    {"de", "Deutsch", "DE", 3.0},  {"it", "Italiano", "IT", 2.5},
    {"ko", "한국어", "KR", 2.0},    {"zh", "普通话", "CN", 1.5},   {"ru", "Русский", "RU", 1.2},
    {"hi", "हिन्दी", "IN", 1.5},     {"sv", "svenska", "SE", 0.6},  {"da", "Dansk", "DK", 0.5},
    {"pt", "Português", "BR", 0.7},
};

constexpr Country kCountryArr[] = {
    {"US", "United States of America"},
    {"GB", "United Kingdom"},
    {"FR", "France"},
    {"DE", "Germany"},
    {"JP", "Japan"},
    {"ES", "Spain"},
    {"IT", "Italy"},
    {"KR", "South Korea"},
    {"CN", "China"},
    {"RU", "Russia"},
    {"IN", "India"},
    {"SE", "Sweden"},
    {"DK", "Denmark"},
    {"BR", "Brazil"},
    {"CA", "Canada"},
    {"AU", "Australia"},
    {"MX", "Mexico"},
    {"HK", "Hong Kong"},
    {"NZ", "New Zealand"},
    {"IE", "Ireland"},
    {"BE", "Belgium"},
    {"AT", "Austria"},
};

constexpr Company kCompanyArr[] = {
    {"Warner Bros. Pictures", "US"},
    {"Universal Pictures", "US"},
    {"Paramount", "US"},
    {"Columbia Pictures", "US"},
    {"Twentieth Century Fox", "US"},
    {"Walt Disney Pictures", "US"},
    {"New Line Cinema", "US"},
    {"Lionsgate", "US"},
    {"Metro-Goldwyn-Mayer", "US"},
    {"DreamWorks Pictures", "US"},
    {"Legendary Pictures", "US"},
    {"Miramax", "US"},
    {"Amblin Entertainment", "US"},
    {"Relativity Media", "US"},
    {"A24", "US"},
    {"Blumhouse Productions", "US"},
    {"Lucasfilm Ltd.", "US"},
    {"Pixar", "US"},
    {"Marvel Studios", "US"},
    {"Summit Entertainment", "US"},
    {"Village Roadshow Pictures", "AU"},
    {"Touchstone Pictures", "US"},
    {"Focus Features", "US"},
    {"Fox Searchlight Pictures", "US"},
    {"Castle Rock Entertainment", "US"},
    {"Orion Pictures", "US"},
    {"United Artists", "US"},
    {"RKO Radio Pictures", "US"},
    {"Annapurna Pictures", "US"},
    {"Plan B Entertainment", "US"},
    {"Lions Gate Films, Inc.", "US"},
    {"Carolco Pictures, Inc.", "US"},
    {"Working Title Films", "GB"},
    {"BBC Films", "GB"},
    {"Film4 Productions", "GB"},
    {"Eon Productions", "GB"},
    {"Gaumont", "FR"},
    {"Pathé", "FR"},
    {"StudioCanal", "FR"},
    {"Canal+", "FR"},
    {"Les Films du Losange", "FR"},
    {"Wild Bunch", "FR"},
    {"Constantin Film", "DE"},
    {"X Filme Creative Pool", "DE"},
    {"Studio Ghibli", "JP"},
    {"Toho", "JP"},
    {"Shochiku", "JP"},
    {"Toei Company", "JP"},
    {"CJ Entertainment", "KR"},
    {"Showbox", "KR"},
    {"China Film Group Corporation", "CN"},
    {"Mosfilm", "RU"},
    {"Rai Cinema", "IT"},
    {"Cinecittà", "IT"},
    {"El Deseo", "ES"},
    {"Telecinco Cinema", "ES"},
    {"Zentropa Entertainments", "DK"},
    {"Nordisk Film", "DK"},
    {"Svensk Filmindustri", "SE"},
    {"Yash Raj Films", "IN"},
    {"Dharma Productions", "IN"},
    {"Globo Filmes", "BR"},
};

constexpr const char* kOverviewSubjectArr[] = {
    "A retired detective",   "Two estranged sisters",   "A young farm boy",
    "A disgraced surgeon",   "An ambitious journalist", "A small-town sheriff",
    "A lonely astronaut",    "A gifted violinist",      "A group of misfit teenagers",
    "An aging gunslinger",   "A grieving widow",        "A brilliant but reckless hacker",
    "A former soldier",      "A shy librarian",         "An exiled prince",
    "A struggling comedian", "A family of four",        "A con artist",
};
constexpr const char* kOverviewVerbArr[] = {
    "must track down", "sets out to find",   "is forced to protect",
    "tries to outwit", "falls in love with", "uncovers the truth about",
    "races to stop",   "is hired to steal",  "returns home to confront",
    "must survive",    "teams up with",      "is haunted by",
};
constexpr const char* kOverviewObjectArr[] = {
    "a missing heiress",      "a powerful crime syndicate",
    "an ancient artifact",    "a mysterious stranger",
    "a corrupt senator",      "a dying planet",
    "the man who ruined him", "a runaway bride",
    "a deadly virus",         "a legendary treasure",
    "an old flame",           "a killer robot",
    "her own past",           "a small child",
    "a secret society",
};
constexpr const char* kOverviewTwistArr[] = {
    "while an old rival closes in",
    "before time runs out",
    "but nothing is what it seems",
    "and discovers a secret that changes everything",
    "as a storm, a war and a scandal collide",
    "while the whole town watches",
    "with the help of an unlikely friend",
    "even if it costs everything",
};

constexpr const char* kCertificateArr[] = {"UA", "U",     "A",      "R",        "PG-13",
                                           "PG", "G",     "Passed", "Approved", "TV-PG",
                                           "GP", "TV-14", "16",     "TV-MA",    "Unrated"};

constexpr const char* kTagArr[] = {
    "atmospheric",
    "funny",
    "dark comedy",
    "twist ending",
    "visually appealing",
    "thought-provoking",
    "based on a book",
    "Oscar (Best Picture)",
    "sci-fi",
    "time travel",
    "dystopia",
    "cult film",
    "predictable",
    "overrated",
    "great soundtrack",
    "slow",
    "beautiful",
    "classic",
    "quirky",
    "violent",
    "romantic",
    "surreal",
    "philosophical",
    "family",
    "heist",
    "superhero",
    "space",
    "zombies",
    "historical",
    "true story",
    "remake",
    "feel-good",
    "tearjerker",
    "boring",
    "must see",
    "sequel",
    "long, but worth it",
    "great acting",
    "stylized",
    "nonlinear",
};

constexpr const char* kOccupationArr[] = {
    "administrator", "artist",     "doctor",     "educator", "engineer",  "entertainment",
    "executive",     "healthcare", "homemaker",  "lawyer",   "librarian", "marketing",
    "none",          "other",      "programmer", "retired",  "salesman",  "scientist",
    "student",       "technician", "writer"};

}  // namespace

const List kTitleAdjectives{kAdjectives};
const List kTitleNouns{kNouns};
const List kTitlePlaces{kPlaces};
const List kTitleAccented{kAccented};
const List kTitleVerbsIng{kVerbsIng};
const std::span<const OriginalTitleWords> kOriginalTitles{kOriginalTitleArr};
const std::span<const NameCulture> kNameCultures{kNameCultureArr};
const std::span<const SingleName> kSingleNames{kSingleNameArr};
const List kCharacterTitles{kCharacterTitleArr};
const List kCharacterRoles{kCharacterRoleArr};
const List kGenres{kGenreArr};
const std::span<const Language> kLanguages{kLanguageArr};
const std::span<const Country> kCountries{kCountryArr};
const std::span<const Company> kCompanies{kCompanyArr};
const List kOverviewSubjects{kOverviewSubjectArr};
const List kOverviewVerbs{kOverviewVerbArr};
const List kOverviewObjects{kOverviewObjectArr};
const List kOverviewTwists{kOverviewTwistArr};
const List kCertificates{kCertificateArr};
const List kTags{kTagArr};
const List kMl100kOccupations{kOccupationArr};

}  // namespace movierec::gen::words
